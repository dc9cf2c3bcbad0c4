#!/bin/bash
# fidelity corpus: a positive nice value
#SBATCH --nice=50
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
