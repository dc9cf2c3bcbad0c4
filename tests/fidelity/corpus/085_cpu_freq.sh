#!/bin/bash
# fidelity corpus: CPU frequency request
#SBATCH --cpu-freq=low-high:OnDemand
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
