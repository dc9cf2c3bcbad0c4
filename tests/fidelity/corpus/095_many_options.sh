#!/bin/bash
# fidelity corpus: a realistic header using many families at once
#SBATCH --job-name=analysis
#SBATCH --partition=long
#SBATCH --time=1-00:00:00
#SBATCH --nodes=1
#SBATCH --ntasks=2
#SBATCH --cpus-per-task=1
#SBATCH --mem=1800
#SBATCH --gres=gpu:fake:1
#SBATCH --licenses=fakelic:1
#SBATCH --output=analysis-%j.out
#SBATCH --error=analysis-%j.err
#SBATCH --mail-type=END,FAIL
#SBATCH --requeue
#SBATCH --comment=nightly
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
