#!/bin/bash
# fidelity corpus: exclusive for the user
#SBATCH --exclusive=user
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
