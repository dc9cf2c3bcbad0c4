#!/bin/bash
# fidelity corpus: --gpus for the whole job
#SBATCH --gpus=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
