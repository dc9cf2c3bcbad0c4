#!/bin/bash
# fidelity corpus: --export=NONE (login environment on the node)
#SBATCH --export=NONE
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
