#!/bin/bash
# fidelity corpus: a minimum of CPUs per node
#SBATCH --mincpus=2
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
