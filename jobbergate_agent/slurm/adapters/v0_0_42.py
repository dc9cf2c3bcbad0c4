"""REST v0.0.42 (Slurm 24.11 to 26.05): `exclusive` and `oversubscribe` are gone from
job_desc_msg (`shared` expresses both); a cancel answers with a `status` list."""

from jobbergate_agent.slurm.adapters.base import Query
from jobbergate_agent.slurm.adapters.v0_0_41 import Adapter as V41


class Adapter(V41):
    version = "v0.0.42"

    def changed_since_query(self, update_time: int) -> Query:
        return [("update_time", str(update_time))]  # a number again from v0.0.42
