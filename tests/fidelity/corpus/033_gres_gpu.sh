#!/bin/bash
# fidelity corpus: a typed GPU through --gres
#SBATCH --gres=gpu:fake:1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
