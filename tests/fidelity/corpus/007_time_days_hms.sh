#!/bin/bash
# fidelity corpus: time as D-HH:MM:SS
#SBATCH --time=0-00:00:45
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
