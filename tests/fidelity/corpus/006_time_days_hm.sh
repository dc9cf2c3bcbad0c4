#!/bin/bash
# fidelity corpus: time as D-HH:MM
#SBATCH --time=1-02:30
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
