#!/bin/bash
# fidelity corpus: accounting sampling interval
#SBATCH --acctg-freq=task=30
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
