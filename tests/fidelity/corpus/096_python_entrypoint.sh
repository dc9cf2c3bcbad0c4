#!/usr/bin/env python3
# fidelity corpus: a Python job script
#SBATCH -t 5
#SBATCH -J py
#SBATCH --hold

import os
print('hello from', os.environ.get('SLURM_JOB_ID'))
