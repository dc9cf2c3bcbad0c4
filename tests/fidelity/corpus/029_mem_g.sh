#!/bin/bash
# fidelity corpus: memory per node with a G suffix
#SBATCH --mem=1G
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
