#!/bin/bash
# fidelity corpus: a job that really runs and fails with exit 3
# fidelity: runs=yes
#SBATCH -t 1
#SBATCH -J exit3

echo failing on purpose
exit 3
