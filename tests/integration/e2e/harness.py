"""The real agent (`jg-run` as a child process) between the mock Jobbergate API (in this process,
over real HTTP) and one of the lab's real slurmrestd.

Each `Run` has its own OIDC client id (so its comment tags, `jobbergate:<client>:<id>`, are
its alone and never collide with other tests' jobs), its own CACHE_DIR (the journal) and its own
job directories in the test user's home on the cluster. `close()` cancels, as root, every Slurm
job that still carries one of its tags.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jobbergate_agent.devstack.mock_jobbergate import MockJobbergate, MockJobbergateServer
from tests.integration.lab import Cluster

REPO = Path(__file__).resolve().parents[3]
FINAL_STATUSES = frozenset({"DONE", "REJECTED", "ABORTED"})


@dataclass
class SlurmFacts:
    """A job as Slurm itself tells it (scontrol, or sacct once slurmctld forgot it)."""

    job_id: int
    state: str
    exit_code: int | None
    comment: str | None
    source: str


def uid_gid(cluster: Cluster, user: str) -> tuple[int, int]:
    for line in (cluster.root / "etc/passwd").read_text().splitlines():
        parts = line.split(":")
        if parts[0] == user:
            return int(parts[2]), int(parts[3])
    raise AssertionError(f"{user} is not in {cluster.name}'s /etc/passwd")


class Run:
    def __init__(self, cluster: Cluster, version: str, tmp_path: Path, *, interval: int = 1):
        self.cluster = cluster
        self.version = version
        self.user = cluster.users[0]
        self.client_id = f"e2e-{uuid.uuid4().hex[:10]}"
        self.tag_prefix = f"jobbergate:{self.client_id}:"
        self.tmp = tmp_path / f"{cluster.name}-{version}"
        self.tmp.mkdir(parents=True)
        self.cache_dir = self.tmp / "cache"
        self.interval = interval
        self.api = MockJobbergate(client_id=self.client_id, client_secret="e2e-secret")
        self.server = MockJobbergateServer(self.api).__enter__()
        self.key = self.tmp / "jwt_hs256.key"
        shutil.copyfile(cluster.jwt_key, self.key)
        self.key.chmod(0o600)
        self.home = Path(cluster.raw["home_dir"].format(user=self.user))
        self.work = self.home / f"jobbergate-e2e-{self.client_id}"
        self._uid, self._gid = uid_gid(cluster, self.user)
        # How the agent is started: a prefix for its command line (e.g. another namespace) and
        # settings that replace the defaults below (e.g. URLs that reach the servers from there).
        self.command_prefix: list[str] = []
        self.env_overrides: dict[str, str] = {}
        self.daemon: subprocess.Popen[bytes] | None = None
        self.logs: list[Path] = []
        self._runs = 0

    @property
    def label(self) -> str:
        accounting = "with slurmdbd" if self.cluster.accounting else "no accounting"
        return (
            f"{self.cluster.name} (Slurm {self.cluster.slurm_version}, REST {self.version}, "
            f"{accounting}, MinJobAge {self.cluster.min_job_age})"
        )

    # --- submissions ---------------------------------------------------------------------------

    def job_dir(self, name: str) -> tuple[Path, str]:
        """A fresh working directory for one submission: (host path, path in the cluster)."""
        host = self.work / name
        host.mkdir(parents=True, exist_ok=True)
        for path in (self.work, host):
            os.chown(path, self._uid, self._gid)
        return host, f"/home/{self.user}/{self.work.name}/{name}"

    def add(
        self,
        name: str,
        files: dict[str, bytes | str],
        *,
        entrypoint: str = "job.sh",
        sbatch_arguments: list[str] | None = None,
    ) -> int:
        script_id = self.api.add_job_script(name, files, entrypoint=entrypoint)
        _, directory = self.job_dir(name)
        return self.api.add_submission(
            script_id, name, execution_directory=directory, sbatch_arguments=sbatch_arguments
        )

    def row(self, submission_id: int) -> Any:
        return self.api.submissions[submission_id]

    def statuses(self) -> dict[int, str]:
        return {sid: row.status for sid, row in self.api.submissions.items()}

    # --- the agent -----------------------------------------------------------------------------

    def env(self) -> dict[str, str]:
        # Nothing of the test's environment about Slurm or munge: the agent needs none of it.
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("JOBBERGATE_AGENT_", "SLURM", "MUNGE"))
        }
        env.update(self.server.env())
        settings = {
            "BASE_SLURMRESTD_URL": self.cluster.url,
            "SLURM_RESTD_VERSION": self.version,
            "SLURMRESTD_JWT_KEY_PATH": str(self.key),
            "X_SLURM_USER_NAME": self.user,
            "SINGLE_USER_SUBMITTER": self.user,
            "TASK_JOBS_INTERVAL_SECONDS": str(self.interval),
            "SLURMRESTD_TIMEOUT": "10",
            "CACHE_DIR": str(self.cache_dir),
            "LOG_LEVEL": "DEBUG",
        }
        settings.update(self.env_overrides)
        env.update({f"JOBBERGATE_AGENT_{k}": v for k, v in settings.items()})
        return env

    def agent_command(self, *args: str) -> list[str]:
        return [*self.command_prefix, sys.executable, "-m", "jobbergate_agent.cli", *args]

    def _log_path(self, what: str) -> Path:
        self._runs += 1
        path = self.tmp / f"agent-{self._runs:02d}-{what}.log"
        self.logs.append(path)
        return path

    def once(self, timeout: float = 90) -> tuple[int, str]:
        """`jg-run --once`: its exit status and its log."""
        log = self._log_path("once")
        with log.open("wb") as handle:
            result = subprocess.run(
                self.agent_command("--once"),
                cwd=self.tmp,
                env=self.env(),
                stdout=handle,
                stderr=subprocess.STDOUT,
                timeout=timeout,
                check=False,
            )
        return result.returncode, log.read_text()

    def start(self) -> None:
        """The daemon (`jg-run`), until stop() or kill()."""
        assert self.daemon is None
        log = self._log_path("daemon")
        with log.open("wb") as handle:
            self.daemon = subprocess.Popen(
                self.agent_command(),
                cwd=self.tmp,
                env=self.env(),
                stdout=handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as docker stop or systemd would; returns the exit status."""
        daemon, self.daemon = self.daemon, None
        assert daemon is not None
        daemon.send_signal(signal.SIGTERM)
        try:
            return daemon.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
            raise AssertionError(f"the agent did not stop within {timeout} s of SIGTERM") from None

    def kill(self) -> None:
        daemon, self.daemon = self.daemon, None
        assert daemon is not None
        daemon.kill()  # SIGKILL: no chance to finish anything
        daemon.wait(timeout=10)

    def journal_rows(self) -> list[tuple[Any, ...]]:
        """(submission id, job id, last state) of every row of the agent's journal."""
        path = self.cache_dir / "submission-journal.sqlite3"
        with contextlib.closing(sqlite3.connect(path)) as db:
            query = "SELECT submission_id, slurm_job_id, last_state FROM submission_journal"
            return list(db.execute(query).fetchall())

    def log(self) -> str:
        return self.logs[-1].read_text() if self.logs else ""

    def all_logs(self) -> str:
        return "\n".join(path.read_text() for path in self.logs)

    # --- Slurm, as root, with its own commands -------------------------------------------------

    def tagged_jobs(self) -> dict[int, tuple[str, str]]:
        """Every job slurmctld knows carrying one of this run's tags: id -> (comment, state)."""
        result = self.cluster.run("squeue", "-h", "-a", "-t", "all", "-o", "%i|%k|%T")
        assert result.returncode == 0, result.stderr
        jobs = {}
        for line in result.stdout.splitlines():
            job_id, comment, state = line.split("|", 2)
            if comment.startswith(self.tag_prefix):
                jobs[int(job_id)] = (comment, state)
        return jobs

    def jobs_tagged(self, submission_id: int) -> list[int]:
        tag = f"{self.tag_prefix}{submission_id}"
        return [
            job_id
            for job_id, (comment, _) in self.tagged_jobs().items()
            if comment == tag or comment.startswith(tag + " ")
        ]

    def facts(self, job_id: int) -> SlurmFacts | None:
        result = self.cluster.run("scontrol", "show", "job", "-o", str(job_id))
        if result.returncode == 0 and "JobState=" in result.stdout:
            fields = dict(part.split("=", 1) for part in result.stdout.split() if "=" in part)
            code = fields.get("ExitCode", "")
            return SlurmFacts(
                job_id,
                fields["JobState"],
                int(code.split(":")[0]) if code else None,
                fields.get("Comment"),
                "scontrol",
            )
        if not self.cluster.accounting:
            return None
        result = self.cluster.run(
            "sacct", "-X", "-n", "-P", "-j", str(job_id), "-o", "State,ExitCode"
        )
        line = result.stdout.strip().splitlines()[:1]
        if result.returncode != 0 or not line:
            return None
        state, code = line[0].split("|")
        return SlurmFacts(job_id, state.split()[0], int(code.split(":")[0]), None, "sacct")

    def is_purged(self, job_id: int) -> bool:
        result = self.cluster.run("scontrol", "show", "job", "-o", str(job_id))
        return result.returncode != 0 and "Invalid job id" in result.stderr

    def output_of(self, name: str, job_id: int) -> str:
        path = self.work / name / f"slurm-{job_id}.out"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- waiting and cleaning up ---------------------------------------------------------------

    def wait_until(
        self,
        predicate: Callable[[], Any],
        timeout: float,
        what: str,
        every: Callable[[], None] | None = None,
    ) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            if every is not None:
                every()
            value = predicate()
            if value:
                return value
            if self.daemon is not None and self.daemon.poll() is not None:
                raise AssertionError(
                    f"the agent exited ({self.daemon.returncode}) while waiting for {what}:\n"
                    + self.log()[-3000:]
                )
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.label}: timed out after {timeout} s waiting for {what}; "
                    f"statuses {self.statuses()}\n" + self.log()[-3000:]
                )
            time.sleep(0.3)

    def close(self) -> None:
        if self.daemon is not None:
            self.kill()
        for job_id, (_, state) in self.tagged_jobs().items():
            if state in ("PENDING", "RUNNING", "SUSPENDED", "CONFIGURING", "REQUEUED"):
                self.cluster.run("scancel", str(job_id))
        self.server.__exit__(None, None, None)
        shutil.rmtree(self.work, ignore_errors=True)
