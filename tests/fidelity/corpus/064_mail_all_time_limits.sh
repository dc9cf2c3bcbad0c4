#!/bin/bash
# fidelity corpus: mail ALL plus time-limit warnings, repeated options add up
#SBATCH --mail-type=ALL
#SBATCH --mail-type=TIME_LIMIT_90,TIME_LIMIT_50
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
