#!/bin/bash
# fidelity corpus: begin at an absolute date and time
#SBATCH --begin=2030-06-15T08:30:00

echo "job $SLURM_JOB_ID on $(hostname)"
