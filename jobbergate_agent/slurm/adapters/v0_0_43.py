"""REST v0.0.43 (Slurm 25.05 to 26.05): a job record's `standard_output` is now the raw
pattern (`slurm-%j.out`); the expanded path moved to `stdout_expanded`."""

from jobbergate_agent.slurm.adapters.v0_0_42 import Adapter as V42


class Adapter(V42):
    version = "v0.0.43"
    stdout_key = "stdout_expanded"
    stderr_key = "stderr_expanded"
