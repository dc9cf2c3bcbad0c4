#!/bin/bash
# fidelity corpus: time as MM:SS (seconds round up)
#SBATCH --time=10:30
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
