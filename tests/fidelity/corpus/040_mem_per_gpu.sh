#!/bin/bash
# fidelity corpus: memory per GPU
#SBATCH --gpus=1
#SBATCH --mem-per-gpu=500
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
