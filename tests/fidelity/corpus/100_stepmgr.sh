#!/bin/bash
# fidelity corpus: the step manager flag (Slurm 24.05 and later)
# fidelity: min-slurm=24.11
#SBATCH --stepmgr
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
