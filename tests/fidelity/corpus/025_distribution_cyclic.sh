#!/bin/bash
# fidelity corpus: task distribution
#SBATCH -n 2
#SBATCH --distribution=cyclic
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
