#!/bin/bash
# fidelity corpus: a node count
#SBATCH --nodes=1
#SBATCH -n 2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
