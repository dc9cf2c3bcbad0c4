#!/bin/bash
# fidelity corpus: options only on the command line
# fidelity: sbatch-args=--hold --ntasks=2 --mem=1G -J args-only

echo "job $SLURM_JOB_ID on $(hostname)"
