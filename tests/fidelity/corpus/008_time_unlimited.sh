#!/bin/bash
# fidelity corpus: UNLIMITED time on a partition with MaxTime=INFINITE
#SBATCH --time=UNLIMITED
#SBATCH -p long
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
