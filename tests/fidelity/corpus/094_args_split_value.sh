#!/bin/bash
# fidelity corpus: a command-line value in its own word
# fidelity: sbatch-args=--time 25 --hold
#SBATCH -J split-args

echo "job $SLURM_JOB_ID on $(hostname)"
