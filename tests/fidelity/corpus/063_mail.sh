#!/bin/bash
# fidelity corpus: mail types and user
#SBATCH --mail-type=BEGIN,END,FAIL
#SBATCH --mail-user=jgalice@example.org
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
