#!/bin/bash
# fidelity corpus: sockets, cores and threads as separate options
#SBATCH --sockets-per-node=1
#SBATCH --cores-per-socket=1
#SBATCH --threads-per-core=1
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
