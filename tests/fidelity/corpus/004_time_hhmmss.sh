#!/bin/bash
# fidelity corpus: time as HH:MM:SS
#SBATCH --time=01:30:00
#SBATCH -p long
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
