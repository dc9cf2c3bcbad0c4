#!/bin/bash
# fidelity corpus: partition and a time limit in minutes
#SBATCH -p debug
#SBATCH -t 30
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
