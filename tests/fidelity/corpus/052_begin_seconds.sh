#!/bin/bash
# fidelity corpus: begin now+N seconds
#SBATCH --begin=now+7200

echo "job $SLURM_JOB_ID on $(hostname)"
