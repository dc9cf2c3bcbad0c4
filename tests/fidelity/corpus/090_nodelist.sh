#!/bin/bash
# fidelity corpus: the lab's node by name
# fidelity: placeholders=@NODE@ = the cluster's node name (lab2205n1, lab2411n1, lab2605n1)
#SBATCH --nodelist=@NODE@
#SBATCH --hold

echo "job $SLURM_JOB_ID on $(hostname)"
