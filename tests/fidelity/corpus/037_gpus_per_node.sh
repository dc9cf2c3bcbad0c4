#!/bin/bash
# fidelity corpus: --gpus-per-node with a type (sbatch refuses it next to --gres=gpu)
#SBATCH --gpus-per-node=fake:1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
