#!/bin/bash
# fidelity corpus: two-level distribution with Pack
#SBATCH -n 2
#SBATCH -m block:cyclic,Pack
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
