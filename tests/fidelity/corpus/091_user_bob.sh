#!/bin/bash
# fidelity corpus: a job of the second user
# fidelity: user=jgbob
#SBATCH -J bob-job
#SBATCH -t 5
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
