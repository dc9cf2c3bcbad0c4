#!/bin/bash
# fidelity corpus: two --mail-type options add up (sbatch 22.05/24.11; 26.05 keeps the last)
#SBATCH --mail-type=ALL
#SBATCH --mail-type=TIME_LIMIT_90,TIME_LIMIT_50
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
