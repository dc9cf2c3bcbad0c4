#!/bin/bash
# fidelity corpus: a job array range
#SBATCH --array=0-3
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
