#!/bin/bash
# fidelity corpus: begin at a named time (compare in the agent's time zone)
#SBATCH --begin=teatime
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
