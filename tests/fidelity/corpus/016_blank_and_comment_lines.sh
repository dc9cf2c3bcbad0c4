#!/bin/bash
# fidelity corpus: blank lines and comments inside the header

# the header may hold blank lines and comments

#SBATCH -t 8
#SBATCH --hold

#SBATCH --job-name=after-blank

echo "job $SLURM_JOB_ID on $(hostname)"
