#!/bin/bash
# fidelity corpus: a workload characterization key
#SBATCH --wckey=wk1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
