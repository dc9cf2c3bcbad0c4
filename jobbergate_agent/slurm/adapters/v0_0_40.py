"""REST v0.0.40 (Slurm 23.11 to 25.05), the first unversioned-plugin generation.

23.11.0 to 23.11.4 require the batch script at the top level of the submit body; sending it
in both places works on every release that serves v0.0.40. `shared` has no `topo` yet."""

from typing import ClassVar

from jobbergate_agent.slurm.adapters.base import Query
from jobbergate_agent.slurm.adapters.data_parser import DataParserAdapter


class Adapter(DataParserAdapter):
    version = "v0.0.40"
    top_level_script = True

    def changed_since_query(self, update_time: int) -> Query:
        # 24.11's v0.0.40 and v0.0.41 parse update_time as a time string, not a number:
        # "1796392228" is refused (9202) but Slurm's "uts<epoch>" form is read exactly.
        return [("update_time", f"uts{update_time}")]

    sharing_unsupported: ClassVar[dict[str, str]] = {
        "topo": "--exclusive=topo needs Slurm 24.05 or later (REST v0.0.41+)"
    }
    # 24.11's v0.0.40 answers 'Unknown flag "STEPMGR_ENABLED"' (tests/fidelity 100_stepmgr)
    flags_unsupported: ClassVar[dict[str, str]] = {
        "STEPMGR_ENABLED": "--stepmgr needs REST v0.0.41 or later (Slurm 24.05+)"
    }
