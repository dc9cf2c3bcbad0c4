"""REST v0.0.44 (Slurm 25.11, 26.05): as v0.0.43; the request gains `step_id`, which the
agent never sends."""

from jobbergate_agent.slurm.adapters.v0_0_43 import Adapter as V43


class Adapter(V43):
    version = "v0.0.44"
