"""What every REST version's adapter provides, and the value helpers they share.

An adapter knows one version's paths and payload shapes and nothing else: no HTTP, no retries,
no tokens. It turns a JobDescription into that version's submit body, and that version's
answers into the version-neutral types. The client picks the adapter once, at negotiation.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Literal

from jobbergate_agent.slurm.errors import SlurmInvalidResponse
from jobbergate_agent.slurm.types import (
    INFINITE,
    JobDescription,
    JobRecord,
    JobStateInfo,
    PingResult,
    SubmitResult,
    jobbergate_state,
)

# Query parameters as pairs: a key may repeat (job_id=1&job_id=2).
Query = list[tuple[str, str]]


def no_val(value: Any) -> int | Literal["INFINITE"] | None:
    """Read a number that may come as a plain int or as {set, infinite, number}."""
    if isinstance(value, dict):
        if value.get("infinite"):
            return INFINITE
        if not value.get("set"):
            return None
        value = value.get("number")
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def no_val_int(value: Any) -> int | None:
    number = no_val(value)
    return number if isinstance(number, int) else None


def epoch(value: Any) -> int | None:
    """A time stamp; Slurm's 0 and NO_VAL-ish sentinels mean "not yet"."""
    number = no_val_int(value)
    if number is None or number <= 0 or number >= 0xFFFFFFFE:
        return None
    return number


def set_number(value: int | Literal["INFINITE"]) -> dict[str, Any]:
    """The NO_VAL struct for input. `set: true` is required, or Slurm ignores the number."""
    if value == INFINITE:
        return {"set": False, "infinite": True, "number": 0}
    return {"set": True, "infinite": False, "number": value}


def wait_status(status: int | None) -> tuple[int | None, int | None]:
    """(return code, signal) from a raw wait() status as v0.0.38 reports exit codes."""
    if status is None:
        return None, None
    signal = status & 0x7F
    if signal:
        return None, signal
    return (status >> 8) & 0xFF, None


def expand_filename(
    pattern: str | None, *, job_id: int, user: str | None, name: str | None
) -> str | None:
    """Expand the common sbatch filename patterns (%j %u %x %%) for versions whose records
    carry the raw pattern only; others (%A, %a, %N...) are left as they are."""
    if not pattern:
        return None
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "%" and i + 1 < len(pattern):
            code = pattern[i + 1]
            value = {"j": str(job_id), "u": user or "%u", "x": name or "%x", "%": "%"}.get(code)
            if value is not None:
                out.append(value)
                i += 2
                continue
        out.append(char)
        i += 1
    return "".join(out)


def environment_list(environment: dict[str, str]) -> list[str]:
    return [f"{name}={value}" for name, value in environment.items()]


class Adapter(ABC):
    version: ClassVar[str]
    # Whether GET {prefix}/jobs/state/?job_id=... answers correctly in this version.
    has_state_endpoint: ClassVar[bool] = False
    # Error numbers that, in this version, mean slurmctld refused the token.
    auth_error_numbers: ClassVar[frozenset[int]] = frozenset()

    @property
    def prefix(self) -> str:
        return f"/slurm/{self.version}"

    @property
    def db_prefix(self) -> str:
        return f"/slurmdb/{self.version}"

    # --- paths ---------------------------------------------------------------------------------
    def ping_path(self) -> str:
        return f"{self.prefix}/ping/"

    def submit_path(self) -> str:
        return f"{self.prefix}/job/submit"

    def job_path(self, job_id: int) -> str:
        return f"{self.prefix}/job/{job_id}"

    def jobs_path(self) -> str:
        return f"{self.prefix}/jobs/"

    def states_path(self) -> str:
        return f"{self.prefix}/jobs/state/"

    def db_job_path(self, job_id: int) -> str:
        return f"{self.db_prefix}/job/{job_id}"

    def db_probe_path(self) -> str:
        return f"{self.db_prefix}/diag/"

    def changed_since_query(self, update_time: int) -> Query:
        return [("update_time", str(update_time))]

    def states_query(self, job_ids: list[int]) -> Query:
        # One job_id parameter per job: a comma list is refused with 9000 (seen on 24.11 and
        # 26.05), and an id slurmctld has forgotten is simply absent from the answer.
        return [("job_id", str(job_id)) for job_id in job_ids]

    # --- conversions ---------------------------------------------------------------------------
    @abstractmethod
    def render_submission(self, job: JobDescription) -> dict[str, Any]:
        """The submit body; raises UnsupportedJobField for fields this version lacks."""

    @abstractmethod
    def parse_submit(self, data: dict[str, Any]) -> SubmitResult: ...

    @staticmethod
    @abstractmethod
    def exit_code(value: Any) -> tuple[int | None, int | None]:
        """(return code, signal) from this version's `exit_code`."""

    def output_paths(self, record: dict[str, Any]) -> tuple[str | None, str | None]:
        """The job's stdout and stderr paths, expanded."""
        return record.get("standard_output") or None, record.get("standard_error") or None

    def parse_job(self, record: dict[str, Any]) -> JobRecord:
        """A slurmctld job record: its keys are the same in every version, their shapes not."""
        states = record.get("job_state")
        names = [states] if isinstance(states, str) else list(states or [])
        code, signal = self.exit_code(record.get("exit_code"))
        stdout, stderr = self.output_paths(record)
        return JobRecord(
            job_id=int(record["job_id"]),
            name=record.get("name"),
            user_name=record.get("user_name"),
            user_id=no_val_int(record.get("user_id")),
            state=jobbergate_state(names),
            slurm_states=names,
            reason=record.get("state_reason"),
            exit_code=code,
            exit_signal=signal,
            submit_time=epoch(record.get("submit_time")),
            start_time=epoch(record.get("start_time")),
            end_time=epoch(record.get("end_time")),
            nodes=record.get("nodes") or None,
            partition=record.get("partition"),
            working_directory=record.get("current_working_directory"),
            standard_output=stdout,
            standard_error=stderr,
            comment=record.get("comment") or None,
            source="slurmctld",
            raw=self.raw(record),
        )

    @abstractmethod
    def parse_ping(self, data: dict[str, Any]) -> PingResult: ...

    def parse_jobs(self, data: Any) -> list[JobRecord]:
        return [self.parse_job(record) for record in self._records(data, "jobs")]

    def parse_states(self, data: Any) -> dict[int, JobStateInfo]:
        raise NotImplementedError(f"{self.version} has no /jobs/state/ endpoint")

    def parse_db_jobs(self, data: Any) -> list[JobRecord]:
        raise NotImplementedError(f"{self.version}: slurmdbd job records are not supported")

    # --- helpers -------------------------------------------------------------------------------
    def _records(self, data: Any, key: str) -> list[dict[str, Any]]:
        records = data.get(key) if isinstance(data, dict) else None
        if not isinstance(records, list):
            raise SlurmInvalidResponse(f"slurmrestd {self.version} answer has no '{key}' list")
        return [r for r in records if isinstance(r, dict)]

    @staticmethod
    def raw(record: dict[str, Any]) -> str:
        return json.dumps(record, separators=(",", ":"))
