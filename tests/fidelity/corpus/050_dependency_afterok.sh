#!/bin/bash
# fidelity corpus: afterok on a job submitted first by the suite
# fidelity: placeholders=@JOBID@ = id of a held job the suite submits first
#SBATCH -d afterok:@JOBID@
#SBATCH --kill-on-invalid-dep=yes
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
