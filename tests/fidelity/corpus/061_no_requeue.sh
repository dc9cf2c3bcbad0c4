#!/bin/bash
# fidelity corpus: requeue refused
#SBATCH --no-requeue
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
