#!/bin/bash
# fidelity corpus: output to /dev/null
#SBATCH --output=none
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
