#!/bin/bash
# fidelity corpus: the smallest job: a name and a hold
#SBATCH --job-name=minimal
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
