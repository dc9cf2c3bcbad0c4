#!/bin/bash
# fidelity corpus: a warning signal to the batch shell
#SBATCH --signal=B:USR1@120
#SBATCH -t 30
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
