"""End-to-end fixtures: `make_run(cluster_name, version)` gives a `harness.Run` (mock Jobbergate
API + the real agent + that lab cluster's real slurmrestd), closed after the test."""

from __future__ import annotations

import time

import pytest

from tests.integration.e2e.harness import Run
from tests.integration.lab import Cluster, load_clusters

try:
    CLUSTERS = {c.name: c for c in load_clusters()}
    LAB_ERROR = None
except RuntimeError as error:  # every e2e test fails with it: a missing lab is not a skip
    CLUSTERS = {}
    LAB_ERROR = str(error)


def lab_cluster(name: str) -> Cluster:
    if name not in CLUSTERS:
        pytest.fail(LAB_ERROR or f"the lab has no cluster {name} ({', '.join(CLUSTERS)})")
    return CLUSTERS[name]


@pytest.fixture
def make_run(tmp_path, request):
    runs: list[Run] = []
    started = time.monotonic()

    def make(cluster_name: str, version: str, **kwargs) -> Run:
        cluster = lab_cluster(cluster_name)
        if version not in cluster.rest_versions:
            pytest.fail(f"{cluster_name} does not serve {version} ({cluster.rest_versions})")
        run = Run(cluster, version, tmp_path, **kwargs)
        runs.append(run)
        return run

    yield make
    for run in runs:
        run.close()
    exercised = "; ".join(run.label for run in runs)
    print(f"\n{request.node.name}: {time.monotonic() - started:.1f} s on {exercised}")
