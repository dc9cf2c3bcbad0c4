#!/bin/bash
# fidelity corpus: memory per CPU
#SBATCH -n 2
#SBATCH --mem-per-cpu=500M
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
