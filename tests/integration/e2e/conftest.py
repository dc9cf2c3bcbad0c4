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


@pytest.fixture(scope="session", autouse=True)
def purge_candidates(tmp_path_factory):
    """The jobs of test_purged, submitted (one `jg-run --once` each) when the e2e session
    starts, so that slurmctld forgets them while the other tests run instead of while that test
    waits: {"accounting" | "none": (run, submission id, (exit status, log) of that run)}."""
    from tests.integration.e2e import scripts

    runs: dict[str, tuple[Run, int, tuple[int, str]]] = {}
    try:
        for key, name, version in (
            ("accounting", "slurm-26.05", "v0.0.45"),
            ("none", "slurm-22.05", "v0.0.38"),
        ):
            if name not in CLUSTERS:
                continue  # (test_purged fails on its own, naming the missing lab)
            run = Run(CLUSTERS[name], version, tmp_path_factory.mktemp(f"purge-{key}"))
            try:
                sid = run.add("purged", {"job.sh": scripts.QUICK})
                runs[key] = (run, sid, run.once())
            except BaseException:
                run.close()
                raise
        yield runs
    finally:
        for run, _, _ in runs.values():
            run.close()
