#!/bin/bash
# fidelity corpus: append to the output files
#SBATCH --open-mode=append
#SBATCH -o app-%j.log
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
