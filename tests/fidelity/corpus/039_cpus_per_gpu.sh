#!/bin/bash
# fidelity corpus: CPUs per GPU
#SBATCH --gpus=1
#SBATCH --cpus-per-gpu=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
