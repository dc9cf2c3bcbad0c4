#!/bin/bash
# fidelity corpus: load the user's login environment
#SBATCH --get-user-env
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
