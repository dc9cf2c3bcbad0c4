#!/bin/bash
# fidelity corpus: GPU binding and frequency
#SBATCH --gpus=1
#SBATCH --gpu-bind=closest
#SBATCH --gpu-freq=high
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
