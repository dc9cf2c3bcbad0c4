"""`make lab-run`: the embedded stack with the lab's real slurmrestd instead of the mock."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from jobbergate_agent.devstack.stack import EXPECTED
from tests.integration.e2e.conftest import lab_cluster
from tests.integration.e2e.harness import REPO

pytestmark = pytest.mark.lab


def test_devstack_against_the_lab_ends_every_seeded_submission_as_expected(tmp_path):
    cluster = lab_cluster("slurm-24.11")
    report = tmp_path / "report.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBBERGATE_AGENT_")}
    result = subprocess.run(
        [sys.executable, "-m", "jobbergate_agent.devstack", "--slurm", "lab", "--cluster",
         cluster.name, "--until-done", "--timeout", "120", "--report", str(report)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = json.loads(report.read_text())
    rows = {row["name"]: row for row in summary["submissions"]}
    assert {name: row["status"] for name, row in rows.items()} == EXPECTED
    assert rows["exits-non-zero"]["slurm_job_state"] == "FAILED"
    assert rows["support-files"]["slurm_job_state"] == "COMPLETED"
    assert summary["slurm"] == f"lab {cluster.name}" and summary["agent_exit_code"] == 0
    # Each job ran in its own directory in jgalice's home on the cluster; its output is there.
    line = next(x for x in result.stdout.splitlines() if "every submission runs as" in x)
    runs_in = line.rsplit(" in ", 1)[1]
    job_id = rows["support-files"]["slurm_job_id"]
    output = os.path.join(runs_in, "support-files", f"slurm-{job_id}.out")
    with open(output) as handle:
        assert "support files OK" in handle.read()
    subprocess.run(["rm", "-rf", "--one-file-system", runs_in], check=True)
    print(
        f"\ndevstack --slurm lab --cluster {cluster.name}: {summary['seconds']} s, all as expected"
    )
