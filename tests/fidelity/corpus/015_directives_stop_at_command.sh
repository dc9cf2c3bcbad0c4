#!/bin/bash
# fidelity corpus: #SBATCH after the first command is not read
#SBATCH -t 7
#SBATCH --hold

echo start
#SBATCH --time=99
echo end
