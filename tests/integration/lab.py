"""The Slurm lab as the tests see it: the description `lab/slurm-lab up` writes.

Real-server tests are parametrised over every (cluster, REST version) pair the lab serves, so
the test ids name both, e.g. `slurm-24.11/v0.0.41`. A missing lab is an error, not a skip: CI
boots the lab before the tests (`make test`), and a developer runs `make lab-up`.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAB_DIR = Path(os.environ.get("LAB_DIR", "/var/lib/jobbergate-agent-lab"))
DESCRIPTION = LAB_DIR / "clusters.json"


@dataclass(frozen=True)
class Cluster:
    name: str
    slurm_version: str
    url: str
    jwt_key: Path
    rest_versions: tuple[str, ...]
    slurmdb_versions: tuple[str, ...]
    accounting: bool
    min_job_age: int
    users: tuple[str, ...]
    root: Path
    exec_prefix: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    partitions: tuple[str, ...] = ()
    gres: bool = False
    rs256: dict[str, str] | None = None
    raw: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def host_path(self, path: str) -> Path:
        """Where a path inside the cluster (e.g. a job's output file) is on this host."""
        return self.root / path.lstrip("/")

    def run(
        self, *argv: str, user: str | None = None, input: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run a Slurm command (sbatch, scontrol, ...) in the cluster's environment."""
        command = list(argv)
        if user:
            command = ["runuser", "-u", user, "--", *command]
        env = {**os.environ, **self.env}
        return subprocess.run(
            [*self.exec_prefix, *command],
            env=env,
            input=input,
            text=True,
            capture_output=True,
            timeout=timeout,
            check=False,
        )


def load_clusters() -> list[Cluster]:
    if not DESCRIPTION.exists():
        raise RuntimeError(
            f"{DESCRIPTION} is missing: the Slurm lab is not up. Run `make lab-up` (make test "
            "does it for you)."
        )
    clusters = []
    for item in json.loads(DESCRIPTION.read_text()):
        clusters.append(
            Cluster(
                name=item["name"],
                slurm_version=item["slurm_version"],
                url=item["url"],
                jwt_key=Path(item["jwt_key"]),
                rest_versions=tuple(item["rest_versions"]),
                slurmdb_versions=tuple(item.get("slurmdb_versions") or ()),
                accounting=bool(item.get("accounting")),
                min_job_age=int(item.get("min_job_age", 300)),
                users=tuple(item["users"]),
                root=Path(item.get("root") or "/"),
                exec_prefix=tuple(item.get("exec_prefix") or ()),
                env=dict(item.get("env") or {}),
                partitions=tuple(item.get("partitions") or ()),
                gres=bool(item.get("gres")),
                rs256=item.get("rs256"),
                raw=item,
            )
        )
    return clusters


def wait_for(predicate, timeout: float = 60, interval: float = 0.5, what: str = "condition"):
    """Poll `predicate` (a callable returning a truthy value) until it holds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)
