#!/bin/bash
# fidelity corpus: output and error patterns
#SBATCH -o out-%j.txt
#SBATCH -e err-%j.txt
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
