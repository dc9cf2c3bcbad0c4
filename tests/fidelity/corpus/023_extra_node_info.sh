#!/bin/bash
# fidelity corpus: -B sockets:cores:threads
#SBATCH -B 1:1:1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
