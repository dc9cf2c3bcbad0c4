"""The mock slurmctld behind the mock slurmrestd: jobs and their life, version-neutral.

A job is PENDING for `pending_seconds`, RUNNING for `run_seconds`, then COMPLETED or FAILED;
held jobs stay PENDING (JobHeldUser). States move on whenever the store is looked at
(`advance()`), so no background task is needed and tests can drive a fake clock.

With `execute=True` the batch script really runs: `/bin/sh script` as the current user, in a
private temporary directory per job (its working directory; output files named after the
requested patterns are written there), with the job's environment only, killed after the time
limit or `execute_timeout`. Its exit status decides COMPLETED, FAILED or TIMEOUT. Otherwise the
run is simulated: exit 0, unless the script's last line is `exit N`.

Finished jobs are purged from slurmctld's view `min_job_age` seconds after they end; the
accounting view (slurmdbd) keeps every job.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT"})
_EXIT_LINE = re.compile(r"^\s*exit\s+(\d+)\s*$")


@dataclass
class JobSpec:
    """What a submission asked for, already read out of the version's request shape."""

    user: str
    script: str
    environment: dict[str, str]
    current_working_directory: str
    name: str | None = None
    partition: str | None = None
    account: str | None = None
    comment: str | None = None
    standard_output: str | None = None
    standard_error: str | None = None
    standard_input: str | None = None
    time_limit: int | None = None  # minutes
    hold: bool = False
    fields: dict[str, Any] = field(default_factory=dict)  # the job dict as sent


@dataclass
class MockJob:
    job_id: int
    spec: JobSpec
    submit_time: float
    partition: str
    state: str = "PENDING"
    reason: str = "None"
    start_time: float | None = None
    end_time: float | None = None
    last_changed: float = 0.0
    return_code: int | None = None  # the script's exit status when it exited
    signal: int | None = None  # the signal that ended it
    cancelled_by: str | None = None
    workdir: Path | None = None  # execute mode: where the script ran
    process: subprocess.Popen[bytes] | None = None
    deadline: float | None = None  # execute mode: kill after

    @property
    def user(self) -> str:
        return self.spec.user

    @property
    def is_final(self) -> bool:
        return self.state in FINAL

    @property
    def raw_exit_status(self) -> int:
        """The wait() status slurmctld stores: return code << 8, or the signal number."""
        if self.signal:
            return self.signal
        return (self.return_code or 0) << 8

    def expand(self, pattern: str | None) -> str:
        """A file name pattern with %j/%u/%x/%% expanded, relative to the working directory."""
        pattern = pattern or "slurm-%j.out"
        names = {
            "j": str(self.job_id),
            "J": str(self.job_id),
            "A": str(self.job_id),
            "u": self.user,
            "x": self.spec.name or "",
            "a": "4294967294",
            "%": "%",
        }
        text = re.sub(r"%([jJAuxa%])", lambda m: names[m.group(1)], pattern)
        if not text.startswith("/"):
            text = os.path.join(self.spec.current_working_directory, text)
        return text


def simulated_exit_code(script: str) -> int:
    lines = [line for line in script.splitlines() if line.strip()]
    match = _EXIT_LINE.match(lines[-1]) if lines else None
    return int(match.group(1)) % 256 if match else 0


class JobStore:
    def __init__(
        self,
        *,
        pending_seconds: float = 1.0,
        run_seconds: float = 2.0,
        min_job_age: float = 5.0,
        execute: bool = False,
        execute_timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
        first_job_id: int = 1,
        default_partition: str = "debug",
    ) -> None:
        self.pending_seconds = pending_seconds
        self.run_seconds = run_seconds
        self.min_job_age = min_job_age
        self.execute = execute
        self.execute_timeout = execute_timeout
        self.clock = clock
        self.default_partition = default_partition
        self._next_id = first_job_id
        self.jobs: dict[int, MockJob] = {}  # every job ever submitted (slurmdbd's view)

    # --- queries ---------------------------------------------------------------------------

    def get(self, job_id: int) -> MockJob | None:
        """The job as slurmctld knows it: None once unknown or purged."""
        self.advance()
        job = self.jobs.get(job_id)
        return None if job is None or self.is_purged(job) else job

    def get_accounting(self, job_id: int) -> MockJob | None:
        self.advance()
        return self.jobs.get(job_id)

    def is_purged(self, job: MockJob) -> bool:
        return job.end_time is not None and self.clock() >= job.end_time + self.min_job_age

    def active(self) -> list[MockJob]:
        """Every job slurmctld still knows, in submission order."""
        self.advance()
        return [job for job in self.jobs.values() if not self.is_purged(job)]

    def changed_since(self, since: float) -> list[MockJob]:
        return [job for job in self.active() if job.last_changed >= since]

    # --- changes ---------------------------------------------------------------------------

    def submit(self, spec: JobSpec) -> MockJob:
        now = self.clock()
        job = MockJob(
            self._next_id, spec, now, spec.partition or self.default_partition, last_changed=now
        )
        if spec.hold:
            job.reason = "JobHeldUser"
        self._next_id += 1
        self.jobs[job.job_id] = job
        return job

    def cancel(self, job_id: int, by_user: str) -> str:
        """'cancelled', 'already_done' or 'unknown'."""
        job = self.get(job_id)
        if job is None:
            return "unknown"
        if job.is_final:
            return "already_done"
        # scancel's default: TERM first (real records of cancelled jobs show signal TERM)
        self._stop_process(job, signal.SIGTERM)
        job.cancelled_by = by_user
        if job.state == "RUNNING":
            job.signal = signal.SIGTERM
        self._finish(job, "CANCELLED", "None")
        return "cancelled"

    def advance(self) -> None:
        """Move every job along the clock (and reap executed scripts)."""
        now = self.clock()
        for job in self.jobs.values():
            due = job.submit_time + self.pending_seconds
            if job.state == "PENDING" and not job.spec.hold and now >= due:
                self._start(job, due)
            if job.state == "RUNNING":
                if job.process is not None:
                    self._poll_process(job)
                elif now >= (job.start_time or now) + self.run_seconds:
                    code = simulated_exit_code(job.spec.script)
                    job.return_code = code
                    end = (job.start_time or now) + self.run_seconds
                    self._finish(
                        job,
                        "COMPLETED" if code == 0 else "FAILED",
                        "None" if code == 0 else "NonZeroExitCode",
                        end,
                    )

    def close(self) -> None:
        """Kill scripts still running and remove their directories."""
        for job in self.jobs.values():
            self._stop_process(job, signal.SIGKILL)
            if job.workdir is not None:
                shutil.rmtree(job.workdir, ignore_errors=True)

    # --- internals -------------------------------------------------------------------------

    def _start(self, job: MockJob, when: float) -> None:
        job.state, job.reason = "RUNNING", "None"
        job.start_time = when
        job.last_changed = self.clock()
        if self.execute:
            self._launch(job)

    def _finish(self, job: MockJob, state: str, reason: str, when: float | None = None) -> None:
        job.state, job.reason = state, reason
        job.end_time = when if when is not None else self.clock()
        job.last_changed = self.clock()

    def _launch(self, job: MockJob) -> None:
        job.workdir = Path(tempfile.mkdtemp(prefix=f"mock-slurm-job-{job.job_id}-"))
        script = job.workdir / "slurm_script"
        script.write_text(job.spec.script)
        env = dict(job.spec.environment)
        env.update(
            {
                "SLURM_JOB_ID": str(job.job_id),
                "SLURM_JOBID": str(job.job_id),
                "SLURM_JOB_NAME": job.spec.name or "",
                "SLURM_JOB_USER": job.user,
                "SLURM_JOB_PARTITION": job.partition,
                "SLURM_SUBMIT_DIR": job.spec.current_working_directory,
            }
        )
        out_path = job.workdir / os.path.basename(job.expand(job.spec.standard_output))
        err_path = (
            job.workdir / os.path.basename(job.expand(job.spec.standard_error))
            if job.spec.standard_error
            else out_path
        )
        stdout = open(out_path, "ab")  # noqa: SIM115 (handed to the child, closed below)
        stderr = stdout if err_path == out_path else open(err_path, "ab")  # noqa: SIM115
        try:
            job.process = subprocess.Popen(
                ["/bin/sh", str(script)],
                cwd=job.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        finally:
            stdout.close()
            if stderr is not stdout:
                stderr.close()
        limit = self.execute_timeout
        if job.spec.time_limit:
            limit = min(limit, job.spec.time_limit * 60)
        job.deadline = self.clock() + limit

    def _poll_process(self, job: MockJob) -> None:
        assert job.process is not None
        code = job.process.poll()
        if code is None:
            if job.deadline is not None and self.clock() >= job.deadline:
                self._stop_process(job, signal.SIGTERM)
                job.signal = signal.SIGTERM
                self._finish(job, "TIMEOUT", "TimeLimit")
            return
        job.process = None
        if code < 0:
            job.signal = -code
            self._finish(job, "FAILED", "NonZeroExitCode")
        else:
            job.return_code = code
            self._finish(
                job,
                "COMPLETED" if code == 0 else "FAILED",
                "None" if code == 0 else "NonZeroExitCode",
            )

    def _stop_process(self, job: MockJob, sig: int) -> None:
        process, job.process = job.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def output_of(self, job: MockJob) -> str | None:
        """Execute mode: what the script wrote to its standard output file."""
        if job.workdir is None:
            return None
        path = job.workdir / os.path.basename(job.expand(job.spec.standard_output))
        return path.read_text(errors="replace") if path.exists() else None

    def output_path(self, job: MockJob, pattern: str | None) -> str:
        """Where a file really is: under the private directory in execute mode."""
        if job.workdir is not None:
            return str(job.workdir / os.path.basename(job.expand(pattern)))
        return job.expand(pattern)
