"""REST v0.0.38 (Slurm 22.05 to 23.11): the last hand-written openapi plugin.

Its job_properties speak sbatch's language rather than job_desc_msg's: one `nodes` range,
`gres`/`gpus*` strings instead of TRES strings, a `signal` spec, `exclusive` as a string and
bools for flags; the environment is a dict; the script goes at the top level only; an unknown
key fails the whole request. Node lists, exclusions, --tmp and a few others cannot be said at
all in this version, and are refused with the reason rather than dropped.
"""

from __future__ import annotations

from functools import cached_property
from types import ModuleType
from typing import Any

from jobbergate_agent.slurm.adapters.base import Adapter as BaseAdapter
from jobbergate_agent.slurm.adapters.base import expand_filename, wait_status
from jobbergate_agent.slurm.errors import SlurmInvalidResponse, UnsupportedJobField
from jobbergate_agent.slurm.models import load_models
from jobbergate_agent.slurm.types import (
    INFINITE,
    JobDescription,
    PingResult,
    SubmitResult,
)

_SAME_NAME = frozenset(
    [
        "account",
        "account_gather_frequency",
        "argv",
        "array",
        "batch_features",
        "burst_buffer",
        "cluster_constraint",
        "comment",
        "constraints",
        "container",
        "core_specification",
        "cores_per_socket",
        "cpu_binding",
        "cpu_frequency",
        "cpus_per_task",
        "current_working_directory",
        "dependency",
        "distribution",
        "hold",
        "licenses",
        "mail_user",
        "mcs_label",
        "memory_binding",
        "minimum_cpus_per_node",
        "name",
        "nice",
        "partition",
        "prefer",
        "qos",
        "reservation",
        "sockets_per_node",
        "standard_error",
        "standard_input",
        "standard_output",
        "tasks",
        "tasks_per_core",
        "tasks_per_node",
        "tasks_per_socket",
        "thread_specification",
        "threads_per_core",
        "wckey",
    ]
)

_MAIL_TYPES = {
    "TIME=100%": "TIME_LIMIT",
    "TIME=90%": "TIME_LIMIT_90",
    "TIME=80%": "TIME_LIMIT_80",
    "TIME=50%": "TIME_LIMIT_50",
    "INVALID_DEPENDENCY": "INVALID_DEPEND",
}
_FLAG_FIELDS = {
    "KILL_INVALID_DEPENDENCY": ("kill_on_invalid_dependency", True),
    "NO_KILL_INVALID_DEPENDENCY": ("kill_on_invalid_dependency", False),
    "SPREAD_JOB": ("spread_job", True),
    "PREFER_MINIMUM_NODE_COUNT": ("minimum_nodes", True),
}
_GRES_FLAGS = {
    "GRES_BINDING_ENFORCED": "enforce-binding",
    "GRES_BINDING_DISABLED": "disable-binding",
}
# Keys 22.05 reads although its OpenAPI document does not list them (measured on the lab).
_UNLISTED_KEYS = frozenset({"no_requeue"})
_NEEDS_NEWER = "needs Slurm 23.02 or later (REST v0.0.39+)"
_HINTS = {
    "required_nodes": f"--nodelist {_NEEDS_NEWER}",
    "excluded_nodes": f"--exclude {_NEEDS_NEWER}",
    "temporary_disk_per_node": f"--tmp {_NEEDS_NEWER}",
    "contiguous": f"--contiguous {_NEEDS_NEWER}",
    "overcommit": f"--overcommit {_NEEDS_NEWER}",
    "reboot": f"--reboot {_NEEDS_NEWER}",
}


def _gres_items(tres: str) -> list[tuple[str, str]]:
    """Split 'gres/gpu:2,gres/foo:a:1' into [('gpu', '2'), ('foo', 'a:1')]; the count may
    also follow '=' as sbatch 23.11+ writes --gpus-per-task ('gres/gpu:a=1')."""
    items = []
    for part in tres.split(","):
        kind, _, rest = part.replace("=", ":").partition("/")
        if kind != "gres" or not rest:
            raise ValueError(part)
        name, _, count = rest.partition(":")
        items.append((name, count))
    return items


class Adapter(BaseAdapter):
    version = "v0.0.38"
    has_state_endpoint = False
    # 22.05's slurmctld drops the connection on a token it refuses; slurmrestd then reports
    # -1 "Unspecified error" (reads) or 5005 "Zero Bytes were transmitted" (submit), never
    # 1007. A down slurmctld is 1800-1803 instead, so these two mean a refused token.
    auth_error_numbers = frozenset({-1, 5005})

    @cached_property
    def models(self) -> ModuleType:
        return load_models(self.version)

    @cached_property
    def job_fields(self) -> frozenset[str]:
        return frozenset(self.models.JobProperties.model_fields)

    # --- submit -------------------------------------------------------------------------------
    def render_submission(self, job: JobDescription) -> dict[str, Any]:
        given = job.fields_given()
        out: dict[str, Any] = {}
        unsupported: list[str] = []
        hints: dict[str, str] = {}

        def refuse(name: str, hint: str | None = None) -> None:
            unsupported.append(name)
            hint = hint or _HINTS.get(name)
            if hint:
                hints[name] = hint

        for name, value in given.items():
            if name in ("script", "minimum_nodes", "maximum_nodes", "nodes"):
                continue
            if name in _SAME_NAME:
                out[name] = value
            elif name == "environment":
                out["environment"] = dict(value)  # type: ignore[call-overload]
            elif name in ("time_limit", "time_minimum"):
                out[name] = "UNLIMITED" if value == INFINITE else value
            elif name in ("memory_per_node", "memory_per_cpu"):
                if value == INFINITE:
                    refuse(name, "an unlimited memory size cannot be expressed")
                else:
                    out[name] = value
            elif name == "priority":
                out["priority"] = "TOP" if value == INFINITE else str(value)
            elif name == "deadline":
                # as begin_time: a local date would be read in slurmrestd's time zone
                out["deadline"] = f"uts{value}"
            elif name == "mail_type":
                out["mail_type"] = ",".join(_MAIL_TYPES.get(m, m) for m in value)  # type: ignore[attr-defined]
            elif name == "open_mode":
                out["open_mode"] = str(value).lower()
            elif name == "sharing":
                if value == "oversubscribe":
                    out["oversubscribe"] = True
                elif value == "topo":
                    refuse("sharing", "--exclusive=topo needs Slurm 24.05 or later")
                else:
                    out["exclusive"] = value
            elif name == "begin_time":
                # An integer is refused ("Unable to parse time"); Slurm's uts<epoch> time
                # string is read exactly, whatever the time zones of agent and slurmctld.
                out["begin_time"] = f"uts{value}"
            elif name == "delay_boot":
                out["delay_boot"] = -(-int(value) // 60)  # type: ignore[call-overload]  # minutes here
            elif name == "wait_all_nodes":
                out["wait_all_nodes"] = int(bool(value))  # a bool is refused
            elif name == "requeue":
                if value:
                    out["requeue"] = True
                else:  # false, 0 and "no" all leave Requeue=1 on 22.05; no_requeue works
                    out["no_requeue"] = True
            elif name == "kill_on_node_fail":
                if not value:
                    out["no_kill"] = "set"  # a bool is refused ("Invalid no kill specification")
            elif name == "flags":
                for flag in value:  # type: ignore[attr-defined]
                    if flag in _GRES_FLAGS:  # --gres-flags, read as sbatch reads it
                        out["gres_flags"] = _GRES_FLAGS[flag]
                        continue
                    if flag not in _FLAG_FIELDS:
                        refuse(f"flags={flag}")
                        continue
                    field, flag_value = _FLAG_FIELDS[flag]
                    out[field] = flag_value
            elif name == "distribution_plane_size":
                # sbatch's -m plane=N: the size travels inside the distribution string
                if "=" not in str(given.get("distribution", "")):
                    out["distribution"] = f"plane={value}"
            elif name in ("kill_warning_signal", "kill_warning_delay", "kill_warning_flags"):
                continue  # combined below
            elif name.startswith("tres_") or name in ("cpus_per_tres", "memory_per_tres"):
                try:
                    self._render_tres(name, str(value), out)
                except ValueError:
                    refuse(name, f"only GPU generic resources can be expressed in {self.version}")
            else:
                refuse(name)
        self._render_nodes(given, out)
        if "kill_warning_signal" in given:
            flags = list(given.get("kill_warning_flags") or [])  # type: ignore[call-overload]
            # 22.05 reads "R:" (reservation) but refuses "B:": "Invalid SIGNAL specification"
            if "BATCH_JOB" in flags:
                refuse(
                    "kill_warning_flags",
                    "--signal with B: (signal the batch shell) cannot be expressed in REST "
                    "v0.0.38 (22.05); without B: the signal goes to the job's steps",
                )
            prefix = "R:" if "RESERVATION_JOB" in flags else ""
            delay = given.get("kill_warning_delay")
            out["signal"] = f"{prefix}{given['kill_warning_signal']}" + (
                f"@{delay}" if delay is not None else ""
            )
        unknown = [k for k in out if k not in self.job_fields | _UNLISTED_KEYS]
        for key in unknown:  # defensive: v0.0.38 fails the request on an unknown key
            out.pop(key)
            refuse(key)
        if unsupported:
            raise UnsupportedJobField(tuple(unsupported), self.version, hints)
        body: dict[str, Any] = {"job": out}
        if job.script is not None:
            body["script"] = job.script
        return body

    @staticmethod
    def _render_nodes(given: dict[str, object], out: dict[str, Any]) -> None:
        if "nodes" in given:
            out["nodes"] = given["nodes"]
        elif "minimum_nodes" in given or "maximum_nodes" in given:
            low = given.get("minimum_nodes") or given.get("maximum_nodes")
            high = given.get("maximum_nodes")
            out["nodes"] = f"{low}-{high}" if high is not None and high != low else f"{low}"

    @staticmethod
    def _render_tres(name: str, value: str, out: dict[str, Any]) -> None:
        if name == "tres_freq":
            if not value.startswith("gpu:"):
                raise ValueError(value)
            out["gpu_frequency"] = value.removeprefix("gpu:")
            return
        if name == "tres_bind":
            if not value.startswith("gres/gpu:"):
                raise ValueError(value)
            out["gpu_binding"] = value.removeprefix("gres/gpu:")
            return
        items = _gres_items(value)
        if name == "tres_per_node":
            out["gres"] = ",".join(f"{n}:{c}" if c else n for n, c in items)
            return
        if len(items) != 1 or items[0][0] != "gpu":
            raise ValueError(value)
        count = items[0][1]
        target = {
            "tres_per_job": "gpus",
            "tres_per_task": "gpus_per_task",
            "tres_per_socket": "gpus_per_socket",
            "cpus_per_tres": "cpus_per_gpu",
            "memory_per_tres": "memory_per_gpu",
        }[name]
        out[target] = int(count) if target == "memory_per_gpu" else count

    def parse_submit(self, data: dict[str, Any]) -> SubmitResult:
        job_id = data.get("job_id")
        if not isinstance(job_id, int):
            raise SlurmInvalidResponse("v0.0.38 submit answer has no job_id")
        return SubmitResult(
            job_id=job_id,
            step_id=str(data.get("step_id") or "") or None,
            user_message=data.get("job_submit_user_msg") or None,
        )

    # --- job records --------------------------------------------------------------------------
    @staticmethod
    def exit_code(value: Any) -> tuple[int | None, int | None]:
        return wait_status(value if isinstance(value, int) else None)  # a raw wait() status

    def output_paths(self, record: dict[str, Any]) -> tuple[str | None, str | None]:
        # 22.05 reports the output patterns unexpanded (e.g. "slurm-%j.out").
        names: dict[str, Any] = {
            "job_id": int(record["job_id"]),
            "user": record.get("user_name"),
            "name": record.get("name"),
        }
        return (
            expand_filename(record.get("standard_output"), **names),
            expand_filename(record.get("standard_error"), **names),
        )

    def parse_ping(self, data: dict[str, Any]) -> PingResult:
        meta = data.get("meta") or {}
        slurm = meta.get("Slurm") or meta.get("slurm") or {}
        pings = [p for p in data.get("pings") or [] if isinstance(p, dict)]
        return PingResult(
            version=self.version,
            slurm_release=slurm.get("release"),
            controllers=[str(p.get("hostname")) for p in pings],
            responding=bool(pings) and all(p.get("ping") == "UP" for p in pings),
        )
