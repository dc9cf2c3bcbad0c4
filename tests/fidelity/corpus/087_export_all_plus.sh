#!/bin/bash
# fidelity corpus: --export=ALL with an extra variable (environment is not compared)
#SBATCH --export=ALL,FIDELITY=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
