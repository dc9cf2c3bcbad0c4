#!/bin/bash
# fidelity corpus: a node range MIN-MAX
#SBATCH --nodes=1-2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
