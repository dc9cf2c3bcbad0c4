#!/bin/bash
# fidelity corpus: job flags: spread and use-min-nodes
#SBATCH --spread-job
#SBATCH --use-min-nodes
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
