#!/bin/bash
# fidelity corpus: do not kill on node failure
#SBATCH --no-kill
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
