#!/bin/bash
# fidelity corpus: trailing comments after the options
#SBATCH --time=15   # fifteen minutes
#SBATCH -n 1 # one task
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
