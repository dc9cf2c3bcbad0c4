#!/bin/bash
# fidelity corpus: contiguous nodes and overcommit
#SBATCH --contiguous
#SBATCH -O
#SBATCH -n 2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
