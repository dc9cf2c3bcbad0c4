#!/bin/bash
# fidelity corpus: array from a list
#SBATCH -a 1,3,5
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
