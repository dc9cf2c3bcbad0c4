#!/bin/bash
# fidelity corpus: long options in the --opt value form
#SBATCH --ntasks 2
#SBATCH --time 20
#SBATCH --job-name spaced
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
