#!/bin/bash
# fidelity corpus: a switch count with a wait time
#SBATCH --switches=1@10
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
