#!/bin/bash
# fidelity corpus: array with a step and a concurrency limit
#SBATCH --array=0-15:4%2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
