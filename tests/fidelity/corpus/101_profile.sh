#!/bin/bash
# fidelity corpus: profiling type (ignored without a profile plugin)
#SBATCH --profile=task
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
