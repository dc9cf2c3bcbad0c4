#!/bin/bash
# fidelity corpus: a deadline far ahead
#SBATCH --deadline=2031-01-01T00:00
#SBATCH -t 10
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
