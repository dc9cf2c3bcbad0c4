#!/bin/bash
# fidelity corpus: a license count
#SBATCH --licenses=fakelic:2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
