#!/bin/bash
# fidelity corpus: tasks per node
#SBATCH -N 1
#SBATCH --ntasks-per-node=2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
