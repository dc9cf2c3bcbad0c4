#!/bin/bash
# fidelity corpus: --gpus with a type
#SBATCH -G fake:2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
