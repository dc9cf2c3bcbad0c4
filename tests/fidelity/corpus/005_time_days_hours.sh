#!/bin/bash
# fidelity corpus: time as D-HH
#SBATCH --time=2-12
#SBATCH --partition=long
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
