#!/bin/bash
# fidelity corpus: --gpus-per-node and --gres together
#SBATCH --gpus-per-node=1
#SBATCH --gres=gpu:fake:1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
