#!/bin/bash
# fidelity corpus: comment and job name
#SBATCH --comment=fidelity-corpus
#SBATCH --job-name=commented
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
