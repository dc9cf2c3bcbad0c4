#!/bin/bash
# fidelity corpus: memory with a K suffix rounds up to MB
#SBATCH --mem=1025K
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
