#!/bin/bash
# fidelity corpus: GPUs per task
#SBATCH -n 2
#SBATCH --gpus-per-task=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
