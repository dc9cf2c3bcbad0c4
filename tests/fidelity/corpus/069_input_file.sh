#!/bin/bash
# fidelity corpus: standard input from a file
#SBATCH --input=input.txt
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
