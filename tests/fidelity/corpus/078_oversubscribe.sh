#!/bin/bash
# fidelity corpus: oversubscribe allowed
#SBATCH --oversubscribe
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
