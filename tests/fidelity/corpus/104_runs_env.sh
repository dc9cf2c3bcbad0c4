#!/bin/bash
# fidelity corpus: a job that really runs and prints part of its environment
# fidelity: runs=yes
#SBATCH -t 1
#SBATCH -J envdump
#SBATCH --export=ALL,FIDELITY=1

env | grep -E '^(FIDELITY|HOME|USER|SLURM_JOB_NAME)=' | sort
