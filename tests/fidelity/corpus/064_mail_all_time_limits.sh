#!/bin/bash
# fidelity corpus: two --mail-type options: the last one wins, as in sbatch
#SBATCH --mail-type=ALL
#SBATCH --mail-type=TIME_LIMIT_90,TIME_LIMIT_50
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
