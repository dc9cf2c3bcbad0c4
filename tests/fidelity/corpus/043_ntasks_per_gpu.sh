#!/bin/bash
# fidelity corpus: tasks per GPU
#SBATCH --gpus=2
#SBATCH --ntasks-per-gpu=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
