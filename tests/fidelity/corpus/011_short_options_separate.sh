#!/bin/bash
# fidelity corpus: short options with separate values
#SBATCH -N 1
#SBATCH -n 2
#SBATCH -t 5
#SBATCH -J short-sep
#SBATCH -H

echo "job $SLURM_JOB_ID on $(hostname)"
