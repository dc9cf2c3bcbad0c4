"""REST v0.0.45 (Slurm 26.05): `cores_per_socket` is back in job_desc_msg; v0.0.43's
record layout (raw `standard_output` pattern, expanded path in `stdout_expanded`)."""

from jobbergate_agent.slurm.adapters.v0_0_44 import Adapter as V44


class Adapter(V44):
    version = "v0.0.45"
