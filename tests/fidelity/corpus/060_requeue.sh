#!/bin/bash
# fidelity corpus: requeue allowed
#SBATCH --requeue
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
