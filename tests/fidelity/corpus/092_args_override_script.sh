#!/bin/bash
# fidelity corpus: sbatch arguments override the script
# fidelity: sbatch-args=--time=10 -p long
#SBATCH --time=5
#SBATCH -p debug
#SBATCH -J from-script
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
