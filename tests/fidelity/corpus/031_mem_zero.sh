#!/bin/bash
# fidelity corpus: --mem=0: all the node's memory
#SBATCH --mem=0
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
