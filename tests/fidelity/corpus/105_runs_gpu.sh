#!/bin/bash
# fidelity corpus: a job that really runs with a fake GPU
# fidelity: runs=yes
#SBATCH -t 1
#SBATCH --gres=gpu:fake:1
#SBATCH -J gpu

echo CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES
