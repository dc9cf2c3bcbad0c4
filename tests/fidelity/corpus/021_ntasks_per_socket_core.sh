#!/bin/bash
# fidelity corpus: tasks per socket and per core
#SBATCH -n 2
#SBATCH --ntasks-per-socket=1
#SBATCH --ntasks-per-core=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
