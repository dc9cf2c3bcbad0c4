#!/bin/bash
# fidelity corpus: array output patterns
#SBATCH -a 0-1
#SBATCH --output=arr-%A_%a.out
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
