#!/bin/bash
# fidelity corpus: memory per node in MB (no suffix)
#SBATCH --mem=1500
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
