#!/bin/bash
# fidelity corpus: short options with attached values
#SBATCH -N1 -n2 -t5 -pdebug
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
