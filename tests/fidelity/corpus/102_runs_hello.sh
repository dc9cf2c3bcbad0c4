#!/bin/bash
# fidelity corpus: a job that really runs: hello
# fidelity: runs=yes
#SBATCH -t 1
#SBATCH -J hello
#SBATCH -o hello-%j.out

echo hello from $(hostname)
