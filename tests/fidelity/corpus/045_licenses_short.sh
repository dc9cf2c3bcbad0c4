#!/bin/bash
# fidelity corpus: -L with the default count
#SBATCH -L fakelic
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
