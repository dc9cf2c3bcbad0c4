"""The embedded stack behind `make run`: the mock Jobbergate API, a Slurm, and the real agent.

`DevStack` starts, in this order and on free 127.0.0.1 ports:

1. the mock Jobbergate API (`MockJobbergate` seeded by `devstack.seed`), in a thread;
2. a slurmrestd: the mock one (`MockSlurmrestd` with `execute=True`, so scripts really run as
   the current user, each submission in its own directory under the state directory) in a
   thread, or the real Slurm lab's (`LabSlurm`, read from clusters.json, its key copied 0600);
3. the agent, `jg-run` as a child process in its own session, configured only through its
   environment and run in the state directory (so no developer `.env` leaks in).

Everything it started is stopped by handle or PID when it ends: the agent with SIGTERM (then
SIGKILL after a grace period), the servers by telling uvicorn to exit (the mock slurmrestd kills
the scripts it still runs). On the lab, jobs of the stack that are not finished are cancelled.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from jobbergate_agent.devstack.loopback_server import LoopbackServer
from jobbergate_agent.devstack.mock_jobbergate import MockJobbergate, MockJobbergateServer
from jobbergate_agent.devstack.mock_slurmrestd import MockSlurmrestd
from jobbergate_agent.devstack.seed import seed
from jobbergate_agent.settings import ENV_PREFIX

# What each seeded submission must end as (`devstack.seed`), for --until-done and the summary.
EXPECTED = {
    "hello": "DONE",
    "support-files": "DONE",
    "sweep-17": "DONE",
    "must-reject": "REJECTED",
    "cancelled-before-submit": "ABORTED",
    "exits-non-zero": "ABORTED",
}
FINAL_STATUSES = frozenset({"DONE", "REJECTED", "ABORTED"})
FINAL_SLURM_STATES = frozenset(
    {"BOOT_FAIL", "CANCELLED", "COMPLETED", "DEADLINE", "FAILED", "NODE_FAIL", "OUT_OF_MEMORY",
     "PREEMPTED", "SPECIAL_EXIT", "TIMEOUT", "UNKNOWN"}
)  # fmt: skip
DEFAULT_LAB_DESCRIPTION = Path("/var/lib/jobbergate-agent-lab/clusters.json")


class StackError(Exception):
    """The stack cannot be started as asked; the message says why and what to do."""


def _log(out: TextIO, text: str) -> None:
    print(f"devstack: {text}", file=out, flush=True)


# --- servers in threads ------------------------------------------------------------------------


class MockSlurmrestdServer:
    """Serves a MockSlurmrestd over real HTTP on 127.0.0.1 (port 0: a free one), in a thread,
    with its lifespan on (jobs move along, and executed scripts are killed at the end)."""

    def __init__(self, mock: MockSlurmrestd, port: int = 0) -> None:
        self.mock = mock
        self._server = LoopbackServer(mock.app, name="mock slurmrestd", port=port, lifespan="on")

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        return self._server.url

    def __enter__(self) -> MockSlurmrestdServer:
        try:
            self._server.start()
        except RuntimeError as error:
            raise StackError(str(error)) from None
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()


# --- where jobs run ------------------------------------------------------------------------------


@dataclass
class SlurmTarget:
    """A slurmrestd for the agent, and where each submission's job may run."""

    description: str
    url: str
    key_path: Path
    user: str
    # (host path, path the job sees) of a fresh directory for the submission `name`.
    make_job_dir: Callable[[str], tuple[Path, str]]
    extra_env: dict[str, str] = field(default_factory=dict)
    cleanup: Callable[[], None] = lambda: None
    mock: MockSlurmrestd | None = None


def _private_key_file(path: Path, content: bytes) -> Path:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    return path


def start_mock_slurm(state_dir: Path, profile: str, out: TextIO) -> SlurmTarget:
    key = _private_key_file(state_dir / "jwt_hs256.key", os.urandom(32))
    mock = MockSlurmrestd(key.read_bytes(), profile, execute=True)
    server = MockSlurmrestdServer(mock).__enter__()
    jobs = state_dir / "jobs"

    def make_job_dir(name: str) -> tuple[Path, str]:
        path = jobs / name
        path.mkdir(parents=True, exist_ok=True)
        return path, str(path)

    release = mock.profile.release
    _log(
        out,
        f"mock slurmrestd (Slurm {release} profile, REST {', '.join(mock.profile.versions)}"
        f"{', with /slurmdb' if mock.profile.slurmdb_versions else ''}) on {server.url}, "
        f"running scripts as {getpass.getuser()} under {jobs}",
    )
    home = state_dir / "home"
    return SlurmTarget(
        description=f"mock slurmrestd {release}",
        url=server.url,
        key_path=key,
        user=getpass.getuser(),
        make_job_dir=make_job_dir,
        extra_env={
            # Jobs see a HOME and a default working directory that exist, inside the state dir.
            "JOB_HOME_TEMPLATE": f"{home}/{{username}}",
            "DEFAULT_SLURM_WORK_DIR": f"{jobs}/default-{{username}}",
        },
        cleanup=lambda: server.__exit__(None, None, None),
        mock=mock,
    )


def load_lab_cluster(name: str, description: Path = DEFAULT_LAB_DESCRIPTION) -> dict[str, Any]:
    """One cluster of the lab's clusters.json (written by `lab/slurm-lab up`)."""
    if not description.is_file():
        raise StackError(
            f"{description} is missing: the Slurm lab is not up; run `make lab-up` first "
            "(or use the mock slurmrestd: drop --slurm lab)"
        )
    clusters = json.loads(description.read_text())
    for cluster in clusters:
        if cluster.get("name") == name:
            return dict(cluster)
    names = ", ".join(c.get("name", "?") for c in clusters)
    raise StackError(f"the lab has no cluster {name!r} (it has {names}); pick one with --cluster")


def _uid_gid(root: Path, user: str) -> tuple[int, int]:
    for line in (root / "etc/passwd").read_text().splitlines():
        parts = line.split(":")
        if parts[0] == user:
            return int(parts[2]), int(parts[3])
    raise StackError(f"user {user} does not exist in {root / 'etc/passwd'}")


def start_lab_slurm(
    state_dir: Path, cluster_name: str, user: str | None, out: TextIO, description: Path
) -> SlurmTarget:
    cluster = load_lab_cluster(cluster_name, description)
    user = user or cluster["users"][0]
    if user not in cluster["users"]:
        raise StackError(
            f"{user} is not a test user of {cluster_name} ({', '.join(cluster['users'])})"
        )
    try:
        key_bytes = Path(cluster["jwt_key"]).read_bytes()
    except PermissionError:
        raise StackError(
            f"cannot read {cluster['jwt_key']}: the lab's keys are root's (0600); run "
            "`make lab-run` as root"
        ) from None
    key = _private_key_file(state_dir / "jwt_hs256.key", key_bytes)
    root = Path(cluster.get("root") or "/")
    uid, gid = _uid_gid(root, user)
    # Each run's job directories in the user's home on the cluster, owned by the user; left in
    # place so that the jobs' output can be read after the run.
    run = f"jobbergate-devstack/{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
    home_on_host = Path(cluster["home_dir"].format(user=user))

    def make_job_dir(name: str) -> tuple[Path, str]:
        host = home_on_host / run / name
        host.mkdir(parents=True, exist_ok=True)
        for path in (host, *host.relative_to(home_on_host).parents):
            os.chown(home_on_host / path, uid, gid)
        return host, f"/home/{user}/{run}/{name}"

    _log(
        out,
        f"the lab's {cluster_name} (Slurm {cluster['slurm_version']}, REST "
        f"{', '.join(cluster['rest_versions'])}"
        f"{', with accounting' if cluster.get('accounting') else ', no accounting'}) at "
        f"{cluster['url']}; every submission runs as {user}, in {home_on_host / run}",
    )
    return SlurmTarget(
        description=f"lab {cluster_name}",
        url=cluster["url"],
        key_path=key,
        user=user,
        make_job_dir=make_job_dir,
    )


# --- the stack -----------------------------------------------------------------------------------


@dataclass
class StackOptions:
    slurm: str = "mock"  # "mock" or "lab"
    profile: str = "26.05"
    cluster: str = "slurm-26.05"
    user: str | None = None
    rest_version: str = "auto"
    interval: int = 2
    state_dir: Path | None = None  # default: a fresh temporary directory, removed at the end
    lab_description: Path = DEFAULT_LAB_DESCRIPTION
    agent_log_level: str = "INFO"


class DevStack:
    """Start with `start()`, stop with `stop()` (or use `with`)."""

    def __init__(self, options: StackOptions, out: TextIO = sys.stdout) -> None:
        self.options = options
        self.out = out
        # A client id of its own: the comment tags of this run's jobs (jobbergate:<client>:<id>)
        # never match those of an earlier run that the lab's slurmctld still remembers.
        self.api = MockJobbergate(client_id=f"devstack-{uuid.uuid4().hex[:8]}")
        self.seeded: dict[str, int] = {}
        self.state_dir: Path | None = None
        self._own_state_dir = False
        self.api_server: MockJobbergateServer | None = None
        self.slurm: SlurmTarget | None = None
        self.agent: subprocess.Popen[str] | None = None
        self.agent_log: Path | None = None
        self._agent_reader: threading.Thread | None = None
        self.started_at = time.monotonic()

    def __enter__(self) -> DevStack:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- starting ------------------------------------------------------------------------------

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        options = self.options
        if options.state_dir is None:
            self.state_dir = Path(tempfile.mkdtemp(prefix="jobbergate-devstack-"))
            self._own_state_dir = True
        else:
            self.state_dir = options.state_dir
            self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o700)
        _log(self.out, f"state in {self.state_dir}")

        if options.slurm == "lab":
            self.slurm = start_lab_slurm(
                self.state_dir, options.cluster, options.user, self.out, options.lab_description
            )
        elif options.slurm == "mock":
            self.slurm = start_mock_slurm(self.state_dir, options.profile, self.out)
        else:
            raise StackError(f"--slurm must be mock or lab, not {options.slurm!r}")

        self.seeded = seed(self.api)
        for row in self.api.submissions.values():
            # One directory per submission: jobs that run at once never share files.
            _, row.execution_directory = self.slurm.make_job_dir(row.name)
        self.api.echo = True
        self.api_server = MockJobbergateServer(self.api).__enter__()
        _log(
            self.out,
            f"mock Jobbergate API on {self.api_server.url} with {len(self.seeded)} submissions: "
            + ", ".join(f"{sid} {name}" for name, sid in self.seeded.items()),
        )
        self._start_agent()

    def agent_env(self) -> dict[str, str]:
        assert self.api_server is not None and self.slurm is not None and self.state_dir
        env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
        env.update(self.api_server.env())
        settings = {
            "BASE_SLURMRESTD_URL": self.slurm.url,
            "SLURM_RESTD_VERSION": self.options.rest_version,
            "SLURMRESTD_JWT_KEY_PATH": str(self.slurm.key_path),
            "X_SLURM_USER_NAME": self.slurm.user,
            "SINGLE_USER_SUBMITTER": self.slurm.user,
            "TASK_JOBS_INTERVAL_SECONDS": str(self.options.interval),
            "SLURMRESTD_TIMEOUT": "10",
            "CACHE_DIR": str(self.state_dir / "cache"),
            "LOG_LEVEL": self.options.agent_log_level,
            **self.slurm.extra_env,
        }
        env.update({ENV_PREFIX + name: value for name, value in settings.items()})
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def _start_agent(self) -> None:
        assert self.state_dir is not None
        self.agent_log = self.state_dir / "agent.log"
        # Its own session: Ctrl-C reaches the stack only, which then stops the agent in order.
        self.agent = subprocess.Popen(
            [sys.executable, "-m", "jobbergate_agent.cli", "run"],
            cwd=self.state_dir,
            env=self.agent_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        _log(self.out, f"agent started (jg-run, PID {self.agent.pid}), log in {self.agent_log}")
        self._agent_reader = threading.Thread(
            target=self._copy_agent_output, name="agent-output", daemon=True
        )
        self._agent_reader.start()

    def _copy_agent_output(self) -> None:
        assert self.agent is not None and self.agent.stdout is not None
        assert self.agent_log is not None
        with self.agent_log.open("a") as log:
            for line in self.agent.stdout:
                log.write(line)
                log.flush()
                print(f"agent | {line.rstrip()}", file=self.out, flush=True)

    # --- watching ------------------------------------------------------------------------------

    def statuses(self) -> dict[str, str]:
        return {
            name: self.api.submissions[sid].status
            for name, sid in self.seeded.items()
            if sid in self.api.submissions
        }

    def all_final(self) -> bool:
        statuses = self.statuses()
        return bool(statuses) and all(s in FINAL_STATUSES for s in statuses.values())

    def unexpected(self) -> dict[str, tuple[str, str]]:
        """Seeded submissions whose status is not the one they must end as: name ->
        (expected, actual)."""
        return {
            name: (EXPECTED[name], status)
            for name, status in self.statuses().items()
            if name in EXPECTED and status != EXPECTED[name]
        }

    def agent_exit_code(self) -> int | None:
        return None if self.agent is None else self.agent.poll()

    def wait(
        self, *, until_done: bool, timeout: float | None, stop: threading.Event | None = None
    ) -> str:
        """Block until every seeded submission is final (with `until_done`), the timeout
        passes, the agent exits, or `stop` is set. Returns "done", "timeout", "agent-exited"
        or "stopped"."""
        stop = stop or threading.Event()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not stop.is_set():
            if until_done and self.all_final():
                return "done"
            if self.agent_exit_code() is not None:
                return "agent-exited"
            if deadline is not None and time.monotonic() > deadline:
                return "timeout"
            stop.wait(0.25)
        return "stopped"

    # --- stopping ------------------------------------------------------------------------------

    def stop_agent(self, grace: float = 20.0) -> int | None:
        agent = self.agent
        if agent is None:
            return None
        if agent.poll() is None:
            with _suppress_missing():
                agent.send_signal(signal.SIGTERM)
            try:
                agent.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _log(self.out, f"the agent did not stop within {grace:.0f} s; killing it")
                with _suppress_missing():
                    agent.kill()
                agent.wait(timeout=10)
        if self._agent_reader is not None:
            self._agent_reader.join(timeout=5)
        return agent.returncode

    def stop(self) -> None:
        self.stop_agent()
        if self.options.slurm == "lab":
            self._cancel_lab_jobs()
        if self.api_server is not None:
            self.api_server.__exit__(None, None, None)
            self.api_server = None
        if self.slurm is not None:
            self.slurm.cleanup()
        if self._own_state_dir and self.state_dir is not None:
            shutil.rmtree(self.state_dir, ignore_errors=True)
            self._own_state_dir = False

    def _cancel_lab_jobs(self) -> None:
        """Jobs of this stack that are still alive on the lab: cancel them (over HTTP)."""
        alive = [
            row.slurm_job_id
            for row in self.api.submissions.values()
            if row.slurm_job_id is not None and row.slurm_job_state not in FINAL_SLURM_STATES
        ]
        state_dir = self.state_dir
        if not alive or self.slurm is None or state_dir is None:
            return
        import asyncio

        from jobbergate_agent.settings import Settings
        from jobbergate_agent.slurm.factory import build_slurm_client

        async def cancel_all() -> None:
            assert self.slurm is not None
            settings = Settings(
                BASE_SLURMRESTD_URL=self.slurm.url,
                SLURMRESTD_JWT_KEY_PATH=self.slurm.key_path,
                X_SLURM_USER_NAME=self.slurm.user,
                CACHE_DIR=state_dir / "cache",
            )
            client = build_slurm_client(settings)
            try:
                for job_id in alive:
                    try:
                        await client.cancel(self.slurm.user, int(job_id))
                        _log(self.out, f"cancelled Slurm job {job_id} (not finished yet)")
                    except Exception as error:
                        _log(self.out, f"could not cancel Slurm job {job_id}: {error}")
            finally:
                await client.aclose()

        asyncio.run(cancel_all())

    # --- reporting -----------------------------------------------------------------------------

    def rows(self) -> list[dict[str, Any]]:
        rows = []
        for name, sid in self.seeded.items():
            row = self.api.submissions.get(sid)
            if row is None:
                continue
            rows.append(
                {
                    "id": sid,
                    "name": name,
                    "status": row.status,
                    "expected": EXPECTED.get(name),
                    "slurm_job_id": row.slurm_job_id,
                    "slurm_job_state": row.slurm_job_state,
                    "message": row.report_message,
                    "history": list(row.history),
                }
            )
        return rows

    def request_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for method, path in self.api.requests:
            key = f"{method} {_route_of(path)}"
            counts[key] = counts.get(key, 0) + 1
        return dict(sorted(counts.items()))

    def report(self, outcome: str) -> dict[str, Any]:
        slurm_requests = self.slurm.mock.requests if self.slurm and self.slurm.mock else None
        return {
            "outcome": outcome,
            "slurm": self.slurm.description if self.slurm else None,
            "seconds": round(time.monotonic() - self.started_at, 1),
            "submissions": self.rows(),
            "api_requests": self.request_counts(),
            "slurmrestd_requests": slurm_requests,
            "agent_exit_code": self.agent_exit_code(),
        }


def _route_of(path: str) -> str:
    """A request path with its ids replaced, so that requests group by route."""
    parts = path.split("/")
    if "upload" in parts:
        return "/".join([*parts[: parts.index("upload") - 1], "{id}", "upload", "{file}"])
    return "/".join("{id}" if part.isdigit() else part for part in parts)


class _suppress_missing:
    """Ignore a child that is already gone."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, value: object, traceback: object) -> bool:
        return isinstance(value, ProcessLookupError)
