"""Job records of the mock slurmrestd, per REST version, as the lab's real servers send them.

A record starts from a skeleton with every field of the version's generated model (the real
servers always write every field, so the key set is the version's), filled with the value a
real record has for an unset field; the job's facts are then written over it. Checked against
tests/fixtures/slurmrestd by tests/unit/devstack/test_mock_slurmrestd_vs_real.py:

- v0.0.38: `job_state` a string, `exit_code` the raw wait status, epoch ints, nulls for unset
  numbers, `standard_output` the raw pattern, no `job_resources` until the job has some;
- v0.0.40+: lists and NO_VAL dicts, `exit_code` {status, return_code, signal};
  `job_resources` `{}` while pending in v0.0.40, null from v0.0.41;
  v0.0.40-42 `standard_output` expanded (24.11: `standard_error` too); v0.0.43+ raw, with
  `stdout_expanded`.
"""

from __future__ import annotations

import types
import typing
import zlib
from typing import Any

from pydantic import BaseModel

from jobbergate_agent.devstack.mock_slurmrestd_jobs import MockJob
from jobbergate_agent.devstack.mock_slurmrestd_profiles import Profile

NODE = "mocknode1"
_NO_VAL_FIELDS = {"set", "infinite", "number"}
_SKELETONS: dict[type[BaseModel], dict[str, Any]] = {}
# v0.0.38 sends null, not "" or 0, for these when they are unset
_V38_NULLS = (
    "core_spec",
    "thread_spec",
    "cores_per_socket",
    "cpus_per_task",
    "cpu_frequency_minimum",
    "cpu_frequency_maximum",
    "cpu_frequency_governor",
    "nice",
    "tasks_per_core",
    "tasks_per_socket",
    "memory_per_node",
    "memory_per_cpu",
    "profile",
    "shared",
    "sockets_per_node",
    "threads_per_core",
    "array_task_id",
)


def no_val(number: int | float | None, *, infinite: bool = False) -> dict[str, Any]:
    if infinite:
        return {"set": False, "infinite": True, "number": 0}
    if number is None:
        return {"set": False, "infinite": False, "number": 0}
    return {"set": True, "infinite": False, "number": number}


def _empty(annotation: Any, depth: int) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _empty(typing.get_args(annotation)[0], depth)
    if origin in (typing.Union, types.UnionType):
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _empty(args[0], depth) if args else None
    if origin is list:
        return []
    if origin is dict:
        return {}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if set(annotation.model_fields) == _NO_VAL_FIELDS:
            return no_val(None)
        return skeleton(annotation, depth + 1) if depth < 6 else {}
    return {str: "", int: 0, float: 0.0, bool: False}.get(annotation)


def skeleton(model: type[BaseModel], depth: int = 0) -> dict[str, Any]:
    """Every field of `model`, each with the value of an unset field."""
    if model not in _SKELETONS:
        _SKELETONS[model] = {
            info.alias or name: _empty(info.annotation, depth)
            for name, info in model.model_fields.items()
        }
    return _deep_copy(_SKELETONS[model])


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in value]
    return value


def fake_uid(user: str) -> int:
    """A stable uid for a name the mock cannot resolve (it has no passwd of its own)."""
    return {"root": 0, "slurm": 64030}.get(user, 5000 + zlib.crc32(user.encode()) % 1000)


class Records:
    def __init__(self, version: str, profile: Profile, cluster: str, models: Any) -> None:
        self.version = version
        self.n = int(version.rsplit(".", 1)[1])
        self.profile = profile
        self.cluster = cluster
        self.models = models

    def job(self, view: dict[str, Any]) -> dict[str, Any]:
        if self.n <= 38:
            return self._record_v38(view)
        return self._record_v40(view)

    def _common(self, job: MockJob) -> dict[str, Any]:
        spec = job.spec
        running_or_done = job.start_time is not None
        return {
            "job_id": job.job_id,
            "name": spec.name or "",
            "user_name": job.user,
            "user_id": fake_uid(job.user),
            "group_id": fake_uid(job.user),
            "group_name": job.user,
            "account": spec.account or "",
            "partition": job.partition,
            "cluster": self.cluster,
            "comment": spec.comment or "",
            "current_working_directory": spec.current_working_directory,
            "batch_flag": True,
            "batch_host": NODE if running_or_done else "",
            "nodes": NODE if running_or_done else "",
            "state_reason": job.reason,
            "tres_req_str": "cpu=1,mem=2000M,node=1,billing=1",
            "tres_alloc_str": "cpu=1,node=1,billing=1" if running_or_done else "",
            "standard_input": "/dev/null" if self.n in (40, 41, 42) else "",
        }

    def _record_v38(self, view: dict[str, Any]) -> dict[str, Any]:
        job: MockJob = view["job"]
        record = skeleton(self.models.JobResponseProperties)
        # present in 22.05's answers, absent from its hand-written spec
        record.update({"prefer": "", "group_name": "", "tasks_per_node": 0})
        record.update(dict.fromkeys(_V38_NULLS))
        record.update(self._common(job))
        record.update(
            {
                "job_state": job.state,
                "exit_code": job.raw_exit_status if job.is_final else 0,
                "derived_exit_code": 0,
                "submit_time": int(job.submit_time),
                "eligible_time": 0 if job.spec.hold else int(job.submit_time),
                "start_time": int(job.start_time or 0),
                "end_time": int(job.end_time or 0),
                "time_limit": job.spec.time_limit,
                "priority": 0 if job.spec.hold else 4294901759,
                "standard_output": job.spec.standard_output or "slurm-%j.out",
                "standard_error": job.spec.standard_error or "",
                "standard_input": "",
                "node_count": 1,
                "cpus": 1,
                "tasks": 1,
                "billable_tres": 1.0 if job.start_time is not None else None,
                "show_flags": ["SHOW_ALL", "SHOW_DETAIL", "SHOW_LOCAL"],
            }
        )
        if job.start_time is not None:
            record["job_resources"] = {
                "nodes": NODE,
                "allocated_cpus": 1,
                "allocated_hosts": 1,
                "allocated_nodes": [
                    {
                        "sockets": {"0": {"cores": {"0": "allocated"}}},
                        "nodename": NODE,
                        "cpus_used": 0,
                        "memory_used": 0,
                        "memory_allocated": 0,
                    }
                ],
            }
        else:
            del record["job_resources"]  # 22.05 leaves it out until the job has resources
        return record

    def exit_code(self, job: MockJob) -> dict[str, Any]:
        """process_exit_code_verbose."""
        if job.signal:
            name = {9: "KILL", 15: "TERM"}.get(job.signal, str(job.signal))
            return {
                "status": ["SIGNALED"],
                "return_code": no_val(None),
                "signal": {"id": no_val(job.signal), "name": name},
            }
        code = job.return_code or 0
        return {
            "status": ["SUCCESS" if code == 0 else "ERROR"],
            "return_code": no_val(code),
            "signal": {"id": no_val(None), "name": ""},
        }

    def _record_v40(self, view: dict[str, Any]) -> dict[str, Any]:
        job: MockJob = view["job"]
        spec = job.spec
        record = skeleton(self.models.JobInfo)
        record.update(self._common(job))
        started = job.start_time is not None
        limit = spec.time_limit
        record.update(
            {
                "job_state": [job.state],
                "exit_code": self.exit_code(job),
                "derived_exit_code": self.exit_code(_Unset),  # no step ended badly
                "submit_time": no_val(int(job.submit_time)),
                "eligible_time": no_val(0 if spec.hold else int(job.submit_time)),
                "start_time": no_val(int(job.start_time or 0)),
                "end_time": no_val(int(job.end_time or 0)),
                "time_limit": no_val(limit) if limit else no_val(None, infinite=True),
                "priority": no_val(0 if spec.hold else 1),
                "hold": spec.hold,
                "node_count": no_val(1),
                "cpus": no_val(1),
                "tasks": no_val(1),
                "cpus_per_task": no_val(1),
                "max_nodes": no_val(1),
                "mail_user": job.user,
                "allocating_node": "localhost",
                "array_task_id": no_val(None),
                "standard_error": spec.standard_error or "",
            }
        )
        if self.n >= 43:
            record["standard_output"] = spec.standard_output or "slurm-%j.out"
            record["stdout_expanded"] = view["stdout"]
            record["stderr_expanded"] = view["stderr"] if spec.standard_error else ""
        else:
            record["standard_output"] = view["stdout"]
            if spec.standard_error or self.profile.release < "25":
                record["standard_error"] = view["stderr"]  # 24.11: defaults to stdout's path
        if not started:
            record["job_resources"] = {} if self.n == 40 else None
        elif self.n == 40:
            record["job_resources"] = {
                "nodes": NODE,
                "allocated_cores": 0,
                "allocated_cpus": 1,
                "allocated_hosts": 1,
                "allocated_nodes": [
                    {
                        "sockets": {"0": {"cores": {"0": "allocated"}}},
                        "nodename": NODE,
                        "cpus_used": 0,
                        "memory_used": 0,
                        "memory_allocated": 0,
                    }
                ],
            }
        else:
            record["job_resources"] = {
                "select_type": ["CPU"],
                "nodes": {
                    "count": 1,
                    "select_type": ["ONE_ROW"],
                    "list": NODE,
                    "whole": False,
                    "allocation": [
                        {
                            "index": 0,
                            "name": NODE,
                            "cpus": {"count": 1, "used": 0},
                            "memory": {"used": 0, "allocated": 0},
                            "sockets": [
                                {"index": 0, "cores": [{"index": 0, "status": ["ALLOCATED"]}]}
                            ],
                        }
                    ],
                },
                "cpus": 1,
                "threads_per_core": no_val(1),
            }
        return record

    def slurmdb(self, view: dict[str, Any]) -> dict[str, Any]:
        job: MockJob = view["job"]
        spec = job.spec
        record = skeleton(self.models.Job)
        start, end = job.start_time, job.end_time
        elapsed = int((end or 0) - start) if start is not None and end is not None else 0
        record.update(
            {
                "job_id": job.job_id,
                "name": spec.name or "",
                "user": job.user,
                "group": job.user,
                "account": spec.account or "",
                "partition": job.partition,
                "cluster": self.cluster,
                "working_directory": spec.current_working_directory,
                "stdout_expanded": view["stdout"],
                "stderr_expanded": view["stderr"],
                "stdout": spec.standard_output or "slurm-%j.out",
                "nodes": NODE if start is not None else "None assigned",
                "exit_code": self.exit_code(job) if job.return_code else self.exit_code(_Unset),
                "comment": {"administrator": "", "job": spec.comment or "", "system": ""},
            }
        )
        record["state"] = {"current": [job.state], "reason": job.reason}
        record["time"].update(
            {
                "elapsed": elapsed,
                "eligible": int(job.submit_time),
                "submission": int(job.submit_time),
                "start": int(start) if start is not None else 0,
                "end": int(end) if end is not None else 0,
                "limit": no_val(spec.time_limit)
                if spec.time_limit
                else no_val(None, infinite=True),
            }
        )
        if job.cancelled_by:
            record["kill_request_user"] = job.cancelled_by
        return record


class _UnsetJob:
    """Stands for a job whose exit status is SUCCESS/0 (pending, running, cancelled)."""

    signal = None
    return_code = 0


_Unset: Any = _UnsetJob()
