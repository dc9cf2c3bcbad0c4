#!/bin/bash
# fidelity corpus: begin at a date (midnight)
#SBATCH -b 2030-01-20

echo "job $SLURM_JOB_ID on $(hostname)"
