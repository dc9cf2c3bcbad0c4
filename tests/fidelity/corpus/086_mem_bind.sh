#!/bin/bash
# fidelity corpus: memory binding
#SBATCH --mem-bind=local
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
