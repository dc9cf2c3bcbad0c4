"""REST v0.0.41 (Slurm 24.05 to 25.11): `cores_per_socket` is not accepted (it returns in
v0.0.45); `shared` gains `topo`."""

from typing import ClassVar

from jobbergate_agent.slurm.adapters.v0_0_40 import Adapter as V40


class Adapter(V40):
    version = "v0.0.41"
    sharing_unsupported: ClassVar[dict[str, str]] = {}
    flags_unsupported: ClassVar[dict[str, str]] = {}
    top_level_script = False
