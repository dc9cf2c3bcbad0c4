"""The fidelity suite runs every case once, concurrently, the first time a test asks for the
results; each test then checks its own (cluster, version, script) outcome. At the end of the
session the per-option table is printed and written to /tmp (see report.py)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fidelity.corpus import load_corpus
from tests.fidelity.report import write_report
from tests.fidelity.runner import Case, Outcome, run_cases
from tests.integration.slurm.conftest import (  # noqa: F401 (fixtures)
    CLUSTERS,
    LAB_ERROR,
    cluster_version,
    make_client,
)

CORPUS = load_corpus()
CASES = [
    Case(cluster, version, script)
    for cluster in CLUSTERS
    for version in cluster.rest_versions
    if version >= "v0.0.38"
    for script in CORPUS
    if script.applies_to(cluster.slurm_version)
]


class SuiteRun:
    def __init__(self) -> None:
        self.outcomes: dict[str, Outcome] = {}
        self.wall: float | None = None
        self.cases: list[Case] = []


RUN = SuiteRun()


PAIRS = [(c, v) for c in CLUSTERS for v in c.rest_versions if v >= "v0.0.38"]


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        cases: list[Any] = list(CASES) or [None]
        metafunc.parametrize("case", cases, ids=[c.id for c in CASES] or ["no-lab"])
    if "cluster_version" in metafunc.fixturenames:
        pairs: list[Any] = list(PAIRS) or [None]
        ids = [f"{c.name}/{v}" for c, v in PAIRS] or ["no-lab"]
        metafunc.parametrize("cluster_version", pairs, ids=ids, indirect=True)


@pytest.fixture
def case(request) -> Case:
    if request.param is None:
        pytest.fail(LAB_ERROR or "the lab serves no REST version from v0.0.38")
    return request.param


@pytest.fixture(scope="session")
def fidelity(request, tmp_path_factory) -> SuiteRun:
    """Run the cases this session selected (all of them unless -k narrows it), once."""
    wanted = [
        item.callspec.params["case"]
        for item in request.session.items
        if hasattr(item, "callspec") and isinstance(item.callspec.params.get("case"), Case)
    ]
    cases = wanted or CASES
    started = time.monotonic()
    outcomes = asyncio.run(run_cases(cases, tmp_path_factory.mktemp("fidelity")))
    RUN.wall = time.monotonic() - started
    RUN.cases = cases
    RUN.outcomes = {outcome.case.id: outcome for outcome in outcomes}
    return RUN


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if RUN.wall is None:
        return
    path = Path("/tmp/jobbergate-agent-fidelity-last-run.md")
    text = write_report(RUN.cases, RUN.outcomes, RUN.wall, path)
    terminalreporter.write_sep("=", "sbatch fidelity")
    terminalreporter.write_line(text)
    terminalreporter.write_line(f"(written to {path})")
