#!/bin/bash
# fidelity corpus: begin one hour from now (compare with a tolerance)
#SBATCH --begin=now+1hour

echo "job $SLURM_JOB_ID on $(hostname)"
