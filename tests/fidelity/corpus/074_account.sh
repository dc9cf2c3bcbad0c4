#!/bin/bash
# fidelity corpus: an account (jglab exists on 26.05; others do not enforce)
#SBATCH --account=jglab
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
