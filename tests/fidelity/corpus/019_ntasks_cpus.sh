#!/bin/bash
# fidelity corpus: tasks and CPUs per task
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
