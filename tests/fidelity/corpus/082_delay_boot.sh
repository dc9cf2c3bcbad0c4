#!/bin/bash
# fidelity corpus: delay boot by minutes
#SBATCH --delay-boot=5
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
