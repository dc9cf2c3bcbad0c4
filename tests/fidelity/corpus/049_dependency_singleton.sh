#!/bin/bash
# fidelity corpus: singleton dependency
# fidelity: isolate=yes
#SBATCH --dependency=singleton
#SBATCH -J dep-single
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
