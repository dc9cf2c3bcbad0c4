#!/bin/bash
# fidelity corpus: wait for all nodes to boot
#SBATCH --wait-all-nodes=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
