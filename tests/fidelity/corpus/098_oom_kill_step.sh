#!/bin/bash
# fidelity corpus: kill the step on OOM (Slurm 24.11 and later)
# fidelity: min-slurm=24.11
#SBATCH --oom-kill-step=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
