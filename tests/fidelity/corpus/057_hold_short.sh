#!/bin/bash
# fidelity corpus: the short hold flag bundled with -k
#SBATCH -Hk

echo "job $SLURM_JOB_ID on $(hostname)"
