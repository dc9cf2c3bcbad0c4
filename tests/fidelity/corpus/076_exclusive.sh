#!/bin/bash
# fidelity corpus: exclusive node use
#SBATCH --exclusive
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
