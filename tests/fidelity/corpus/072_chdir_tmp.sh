#!/bin/bash
# fidelity corpus: an explicit working directory
#SBATCH --chdir=/tmp
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
