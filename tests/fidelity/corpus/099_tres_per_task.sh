#!/bin/bash
# fidelity corpus: TRES per task (Slurm 23.11 and later)
# fidelity: min-slurm=24.11
#SBATCH -n 2
#SBATCH --tres-per-task=gres/gpu:1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
