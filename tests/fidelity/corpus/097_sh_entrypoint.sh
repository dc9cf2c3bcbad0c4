#!/bin/sh
# fidelity corpus: a POSIX sh job script
#SBATCH -t 5
#SBATCH --hold

echo sh
