#!/bin/bash
# fidelity corpus: a minimum time next to the limit
#SBATCH --time=60
#SBATCH --time-min=15
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
