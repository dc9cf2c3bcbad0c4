#!/bin/bash
# fidelity corpus: a warning signal before a reservation ends (R:, which REST v0.0.38 reads)
# fidelity: refused-from=24.11
#SBATCH --signal=R:USR1@90
#SBATCH -t 30
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
