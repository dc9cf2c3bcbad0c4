#!/bin/bash
# fidelity corpus: quoted values with spaces
#SBATCH --comment="a comment with spaces"
#SBATCH -J 'quoted name'
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
