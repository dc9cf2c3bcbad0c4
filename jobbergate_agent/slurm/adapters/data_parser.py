"""The shared shape of the data_parser versions (v0.0.39 to v0.0.45).

From Slurm 23.02 on, every REST version is produced by a `data_parser` plugin, and they
differ in details rather than in kind: which job_desc_msg fields exist, where the expanded
output path is, what a cancel answers. This class holds what they share; each version's module
subclasses it and states its own differences. Which request fields a version accepts, and
which of them are NO_VAL structs or lists, is read from that version's generated model, so a
field Slurm added or dropped is handled without a hand-kept list.
"""

from __future__ import annotations

import re
import typing
from functools import cached_property
from types import ModuleType
from typing import Any, ClassVar

from pydantic import BaseModel, ValidationError

from jobbergate_agent.slurm.adapters.base import (
    Adapter,
    environment_list,
    epoch,
    no_val_int,
    set_number,
)
from jobbergate_agent.slurm.errors import SlurmInvalidResponse, UnsupportedJobField
from jobbergate_agent.slurm.models import load_models
from jobbergate_agent.slurm.types import (
    JobDescription,
    JobRecord,
    JobStateInfo,
    PingResult,
    SubmitResult,
    jobbergate_state,
)

_SHARING_TO_SHARED = {
    "exclusive": "none",
    "user": "user",
    "mcs": "mcs",
    "topo": "topo",
    "oversubscribe": "oversubscribe",
}


def _model_kind(annotation: Any) -> str:
    """'no_val', 'list' or 'plain' for a generated field annotation."""
    for arg in typing.get_args(annotation) or (annotation,):
        origin = typing.get_origin(arg)
        if origin is list:
            return "list"
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            fields = arg.model_fields
            if {"set", "number"} <= fields.keys():
                return "no_val"
            if "root" in fields:  # RootModel wrappers such as string_array / csv_string
                return _model_kind(fields["root"].annotation)
        if typing.get_args(arg):
            kind = _model_kind(arg)
            if kind != "plain":
                return kind
    return "plain"


class DataParserAdapter(Adapter):
    has_state_endpoint = True
    # values of JobDescription.sharing this version cannot express, with a hint
    sharing_unsupported: ClassVar[dict[str, str]] = {}
    # job flags this version's enum lacks (slurmctld refuses the whole request, 9207), with
    # a hint; the generated models read enum lists as plain strings, so they cannot tell
    flags_unsupported: ClassVar[dict[str, str]] = {}
    # whether the top-level "script" is needed as well as job.script (23.11.0-23.11.4)
    top_level_script: ClassVar[bool] = False
    # where the expanded output path is in a job record (v0.0.43 moved it)
    stdout_key: ClassVar[str] = "standard_output"
    stderr_key: ClassVar[str] = "standard_error"
    models_version: ClassVar[str | None] = None  # None: this version's own models
    # Whether sbatch of the releases serving this version (23.11+) adds cpu=N to tres_per_task
    # for -c N and binds GPUs per task by itself (see _as_sbatch_sends_it)
    sbatch_tres_per_task: ClassVar[bool] = True

    @cached_property
    def models(self) -> ModuleType:
        return load_models(self.models_version or self.version)

    @cached_property
    def job_fields(self) -> dict[str, str]:
        """Request field name -> its kind ('no_val', 'list', 'plain')."""
        model = self.models.JobDescMsg
        return {name: _model_kind(info.annotation) for name, info in model.model_fields.items()}

    # --- submit -------------------------------------------------------------------------------
    def render_submission(self, job: JobDescription) -> dict[str, Any]:
        body_job: dict[str, Any] = {}
        unsupported: list[str] = []
        hints: dict[str, str] = {}
        for name, value in self._as_sbatch_sends_it(job.fields_given()).items():
            if name == "environment":
                body_job["environment"] = environment_list(value)
                continue
            if name == "sharing":
                if value in self.sharing_unsupported:
                    unsupported.append("sharing")
                    hints["sharing"] = self.sharing_unsupported[str(value)]
                else:
                    body_job["shared"] = [_SHARING_TO_SHARED[str(value)]]
                continue
            if name == "flags":
                refused = [flag for flag in value if flag in self.flags_unsupported]
                for flag in refused:
                    unsupported.append(f"flags={flag}")
                    hints[f"flags={flag}"] = self.flags_unsupported[flag]
                if refused:
                    continue
            kind = self.job_fields.get(name)
            if kind is None:
                unsupported.append(name)
                continue
            body_job[name] = self._render_value(kind, value)
        if unsupported:
            raise UnsupportedJobField(tuple(unsupported), self.version, hints)
        body: dict[str, Any] = {"job": body_job}
        if self.top_level_script and "script" in body_job:
            body["script"] = body_job["script"]
        self._check_request(body)
        return body

    def _as_sbatch_sends_it(self, given: dict[str, Any]) -> dict[str, Any]:
        """What sbatch adds to the request by itself, measured with sbatch 24.11 and 26.05
        (tests/fidelity 019, 038, 095, 099; 22.05's sbatch adds none of it):
        -c N also sets the flag EXACT_CPU_COUNT_REQUESTED and puts cpu=N first in
        tres_per_task, and GPUs per task (--gpus-per-task or --tres-per-task=gres/gpu...) get
        tres_bind gres/gpu:per_task:N unless a GPU binding is given."""
        out = dict(given)
        cpus = out.get("cpus_per_task")
        items = [i for i in str(out.get("tres_per_task") or "").split(",") if i]
        if cpus is not None:
            flags = list(out.get("flags") or [])
            if "EXACT_CPU_COUNT_REQUESTED" not in flags:
                out["flags"] = [*flags, "EXACT_CPU_COUNT_REQUESTED"]
            if self.sbatch_tres_per_task and not any(re.match(r"cpu[:=]", i) for i in items):
                items.insert(0, f"cpu={cpus}")
                out["tres_per_task"] = ",".join(items)
        gpus = [i for i in items if re.fullmatch(r"gres/gpu(:[^:=,]+)?[:=]\d+", i)]
        bind = str(out.get("tres_bind") or "")
        if self.sbatch_tres_per_task and gpus and "gres/gpu" not in bind:
            count = re.split(r"[:=]", gpus[0])[-1]
            out["tres_bind"] = "+".join(b for b in (bind, f"gres/gpu:per_task:{count}") if b)
        return out

    @staticmethod
    def _render_value(kind: str, value: Any) -> Any:
        if kind == "no_val":
            return set_number(value)
        if kind == "list" and not isinstance(value, list):
            return [value]
        return value

    def _check_request(self, body: dict[str, Any]) -> None:
        try:
            self.models.JobSubmitReq.model_validate(body)
        except ValidationError as error:  # a bug here, not the user's: say where
            raise ValueError(f"submit body does not fit {self.version}: {error}") from None

    def parse_submit(self, data: dict[str, Any]) -> SubmitResult:
        job_id = data.get("job_id")
        if job_id is None and isinstance(data.get("result"), dict):
            job_id = data["result"].get("job_id")
        if not isinstance(job_id, int):
            raise SlurmInvalidResponse(f"{self.version} submit answer has no job_id")
        warnings = [
            str(w.get("description"))
            for w in data.get("warnings") or []
            if isinstance(w, dict) and w.get("description")
        ]
        return SubmitResult(
            job_id=job_id,
            step_id=data.get("step_id"),
            user_message=data.get("job_submit_user_msg") or None,
            warnings=warnings,
        )

    # --- job records --------------------------------------------------------------------------
    def _validate(self, model_name: str, data: Any) -> None:
        try:
            getattr(self.models, model_name).model_validate(data)
        except ValidationError as error:
            raise SlurmInvalidResponse(
                f"slurmrestd {self.version} answer does not match {model_name}: "
                f"{error.error_count()} problem(s), first: {error.errors()[0]['msg']}"
            ) from None

    def parse_jobs(self, data: Any) -> list[JobRecord]:
        self._validate("OpenapiJobInfoResp", data)
        return super().parse_jobs(data)

    @staticmethod
    def exit_code(value: Any) -> tuple[int | None, int | None]:
        """(return code, signal) from {status, return_code, signal: {id, name}}."""
        if not isinstance(value, dict):
            return None, None
        signal = value.get("signal") or {}
        return no_val_int(value.get("return_code")), no_val_int(signal.get("id"))

    def output_paths(self, record: dict[str, Any]) -> tuple[str | None, str | None]:
        return record.get(self.stdout_key) or None, record.get(self.stderr_key) or None

    def parse_states(self, data: Any) -> dict[int, JobStateInfo]:
        states: dict[int, JobStateInfo] = {}
        for item in self._records(data, "jobs"):
            try:
                job_id = int(str(item.get("job_id")))
            except ValueError:  # array ("12_[1-3]") or het ("10+1") members: not ours
                continue
            names = item.get("state") or []
            names = [names] if isinstance(names, str) else list(names)
            states[job_id] = JobStateInfo(
                job_id=job_id, state=jobbergate_state(names), slurm_states=names
            )
        return states

    # --- slurmdbd -----------------------------------------------------------------------------
    def db_probe_path(self) -> str:
        return f"{self.db_prefix}/ping/"

    def parse_db_jobs(self, data: Any) -> list[JobRecord]:
        self._validate("OpenapiSlurmdbdJobsResp", data)
        return [self.parse_db_job(record) for record in self._records(data, "jobs")]

    def parse_db_job(self, record: dict[str, Any]) -> JobRecord:
        state = record.get("state") or {}
        names = state.get("current") or []
        names = [names] if isinstance(names, str) else list(names)
        times = record.get("time") or {}
        comment = record.get("comment")
        if isinstance(comment, dict):
            comment = comment.get("job")
        code, signal = self.exit_code(record.get("exit_code"))
        return JobRecord(
            job_id=int(record["job_id"]),
            name=record.get("name"),
            user_name=record.get("user"),
            state=jobbergate_state(names),
            slurm_states=names,
            reason=state.get("reason"),
            exit_code=code,
            exit_signal=signal,
            submit_time=epoch(times.get("submission")),
            start_time=epoch(times.get("start")),
            end_time=epoch(times.get("end")),
            nodes=record.get("nodes") or None,
            partition=record.get("partition"),
            working_directory=record.get("working_directory"),
            standard_output=record.get("stdout_expanded") or record.get("stdout") or None,
            standard_error=record.get("stderr_expanded") or record.get("stderr") or None,
            comment=comment or None,
            source="slurmdbd",
            raw=self.raw(record),
        )

    # --- ping ---------------------------------------------------------------------------------
    def parse_ping(self, data: dict[str, Any]) -> PingResult:
        meta = data.get("meta") or {}
        slurm = meta.get("slurm") or meta.get("Slurm") or {}
        pings = [p for p in data.get("pings") or [] if isinstance(p, dict)]
        responding = all(p.get("responding", p.get("pinged") == "UP") for p in pings)
        return PingResult(
            version=self.version,
            slurm_release=slurm.get("release"),
            cluster=slurm.get("cluster"),
            controllers=[str(p.get("hostname")) for p in pings],
            responding=bool(pings) and responding,
        )
