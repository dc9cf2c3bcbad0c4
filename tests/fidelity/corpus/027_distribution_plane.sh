#!/bin/bash
# fidelity corpus: plane distribution with a size
#SBATCH -n 2
#SBATCH --distribution=plane=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
