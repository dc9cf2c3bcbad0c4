#!/bin/bash
# fidelity corpus: GRES binding enforcement
#SBATCH --gres=gpu:1
#SBATCH --gres-flags=enforce-binding
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
