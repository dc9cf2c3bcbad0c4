#!/bin/bash
# fidelity corpus: a warning signal with the default delay
#SBATCH --signal=TERM
#SBATCH -t 30
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
