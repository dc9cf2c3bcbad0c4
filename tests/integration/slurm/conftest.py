"""Fixtures for the real-slurmrestd tests: one test per (cluster, REST version) pair."""

from __future__ import annotations

import asyncio
import os
import shutil
import stat
from pathlib import Path

import pytest

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.client import SlurmClient
from jobbergate_agent.slurm.factory import build_slurm_client
from jobbergate_agent.slurm.types import FINAL_STATES, JobRecord
from tests.integration.lab import Cluster, load_clusters

try:
    CLUSTERS = load_clusters()
    LAB_ERROR = None
except RuntimeError as error:  # reported by every lab test, not hidden as a skip
    CLUSTERS = []
    LAB_ERROR = str(error)

PAIRS = [(c, v) for c in CLUSTERS for v in c.rest_versions if v >= "v0.0.38"]


def pytest_generate_tests(metafunc):
    if "cluster_version" in metafunc.fixturenames:
        params = PAIRS or [None]
        ids = [f"{c.name}/{v}" for c, v in PAIRS] or ["no-lab"]
        metafunc.parametrize("cluster_version", params, ids=ids)
    elif "cluster" in metafunc.fixturenames:
        params = CLUSTERS or [None]
        metafunc.parametrize("cluster", params, ids=[c.name for c in CLUSTERS] or ["no-lab"])


def _require(value):
    if value is None:
        pytest.fail(LAB_ERROR or "the lab serves no REST version")
    return value


@pytest.fixture
def cluster_version(request) -> tuple[Cluster, str]:
    return _require(request.param)


@pytest.fixture
def cluster(request) -> Cluster:
    return _require(request.param)


def private_copy(path: Path, directory: Path) -> Path:
    """The agent refuses keys others can read: tests hand it a 0600 copy."""
    target = directory / path.name
    shutil.copyfile(path, target)
    target.chmod(stat.S_IRUSR | stat.S_IWUSR)
    return target


def settings_for(cluster: Cluster, version: str, tmp_path: Path, **overrides) -> Settings:
    values = {
        "BASE_SLURMRESTD_URL": cluster.url,
        "SLURM_RESTD_VERSION": version,
        "SLURMRESTD_JWT_KEY_PATH": private_copy(cluster.jwt_key, tmp_path),
        "X_SLURM_USER_NAME": cluster.users[0],
        "SLURMRESTD_TIMEOUT": 20,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
async def make_client(tmp_path):
    clients: list[SlurmClient] = []

    def make(cluster: Cluster, version: str, **overrides) -> SlurmClient:
        client = build_slurm_client(settings_for(cluster, version, tmp_path, **overrides))
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def wait_for_job(
    client: SlurmClient, user: str, job_id: int, *, states=FINAL_STATES, timeout: float = 60
) -> JobRecord:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        record = await client.get_job(user, job_id)
        if record.state in states:
            return record
        if loop.time() > deadline:
            raise AssertionError(
                f"job {job_id} still {record.state} after {timeout}s (reason {record.reason})"
            )
        await asyncio.sleep(0.3)


def read_job_file(cluster: Cluster, path: str, timeout: float = 10) -> str:
    """Job output is written on the node: inside the cluster's root on this host."""
    host_path = cluster.host_path(path)
    for _ in range(int(timeout / 0.2)):
        if host_path.exists() and host_path.stat().st_size:
            return host_path.read_text()
        import time

        time.sleep(0.2)
    raise AssertionError(f"{path} never appeared ({host_path})")


def uid_of(cluster: Cluster, user: str) -> int:
    for line in (cluster.root / "etc/passwd").read_text().splitlines():
        parts = line.split(":")
        if parts[0] == user:
            return int(parts[2])
    raise AssertionError(f"{user} not in {cluster.name}'s /etc/passwd")


os.environ.setdefault("TZ", "UTC")
