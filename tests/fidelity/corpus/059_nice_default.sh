#!/bin/bash
# fidelity corpus: --nice without a value means 100
#SBATCH --nice
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
