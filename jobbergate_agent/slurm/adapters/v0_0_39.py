"""REST v0.0.39 (Slurm 23.02 to 24.05).

No Slurm 23.x is installable here, so no document could be dumped for this version and it
has no generated models of its own: requests are checked against v0.0.40's job_desc_msg,
which v0.0.39 accepts (it ignores unknown fields silently). What differs in answers: job_state
is a single string, exit codes are raw wait() statuses (possibly inside a NO_VAL struct),
and there is no /jobs/state/ endpoint, so states come from one /jobs request.
Tested only against recorded shapes, never against a live 23.x server.
"""

from typing import Any, ClassVar

from jobbergate_agent.slurm.adapters.base import no_val_int, wait_status
from jobbergate_agent.slurm.adapters.data_parser import DataParserAdapter


class Adapter(DataParserAdapter):
    version = "v0.0.39"
    models_version = "v0.0.40"
    has_state_endpoint = False
    top_level_script = True
    # v0.0.39 is also served by 23.02/23.05, whose slurmctld does not read cpu= in
    # tres_per_task and whose sbatch did not bind GPUs per task by itself; the flag
    # EXACT_CPU_COUNT_REQUESTED is in this version's enum and is still sent for -c.
    sbatch_tres_per_task = False
    sharing_unsupported: ClassVar[dict[str, str]] = {
        "topo": "--exclusive=topo needs Slurm 24.05 or later (REST v0.0.41+)"
    }
    flags_unsupported: ClassVar[dict[str, str]] = {
        "STEPMGR_ENABLED": "--stepmgr needs REST v0.0.41 or later (Slurm 24.05+)"
    }

    def _validate(self, model_name: str, data: Any) -> None:
        # v0.0.40's response models would reject v0.0.39's string job_state; the parsers
        # below check what they read.
        return None

    @staticmethod
    def exit_code(value: Any) -> tuple[int | None, int | None]:
        if isinstance(value, dict) and "return_code" in value:
            return DataParserAdapter.exit_code(value)
        return wait_status(no_val_int(value))

    def db_probe_path(self) -> str:
        return f"{self.db_prefix}/diag/"
