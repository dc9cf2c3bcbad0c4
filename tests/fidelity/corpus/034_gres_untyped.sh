#!/bin/bash
# fidelity corpus: an untyped GPU count through --gres
#SBATCH --gres=gpu:2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
