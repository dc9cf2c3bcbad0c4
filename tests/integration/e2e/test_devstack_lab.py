"""`make lab-run`: the embedded stack with the lab's real slurmrestd instead of the mock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jobbergate_agent.devstack.stack import EXPECTED
from tests.integration.e2e.conftest import lab_cluster
from tests.integration.e2e.harness import REPO

pytestmark = pytest.mark.lab


def run_devstack(cluster_name: str, report: Path) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBBERGATE_AGENT_")}
    result = subprocess.run(
        [sys.executable, "-m", "jobbergate_agent.devstack", "--slurm", "lab", "--cluster",
         cluster_name, "--until-done", "--timeout", "120", "--report", str(report)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return json.loads(report.read_text()), result.stdout


def test_devstack_against_the_lab_ends_every_seeded_submission_as_expected(tmp_path):
    cluster = lab_cluster("slurm-24.11")
    summary, stdout = run_devstack(cluster.name, tmp_path / "first.json")
    rows = {row["name"]: row for row in summary["submissions"]}
    assert {name: row["status"] for name, row in rows.items()} == EXPECTED
    assert rows["exits-non-zero"]["slurm_job_state"] == "FAILED"
    assert rows["support-files"]["slurm_job_state"] == "COMPLETED"
    assert summary["slurm"] == f"lab {cluster.name}" and summary["agent_exit_code"] == 0
    # Each job ran in its own directory in jgalice's home on the cluster; its output is there.
    line = next(x for x in stdout.splitlines() if "every submission runs as" in x)
    runs_in = line.rsplit(" in ", 1)[1]
    job_id = rows["support-files"]["slurm_job_id"]
    output = Path(runs_in, "support-files", f"slurm-{job_id}.out")
    assert "support files OK" in output.read_text()
    subprocess.run(["rm", "-rf", "--one-file-system", runs_in], check=True)

    # Straight again, while slurmctld still knows the first run's jobs (MinJobAge 20): the
    # second run makes jobs of its own, it does not take the first run's for its own.
    again, stdout = run_devstack(cluster.name, tmp_path / "second.json")
    first_jobs = {row["slurm_job_id"] for row in summary["submissions"]} - {None}
    second_jobs = {row["slurm_job_id"] for row in again["submissions"]} - {None}
    assert len(second_jobs) == 4 and not first_jobs & second_jobs, (first_jobs, second_jobs)
    assert "found in Slurm by its comment tag" not in stdout
    line = next(x for x in stdout.splitlines() if "every submission runs as" in x)
    subprocess.run(["rm", "-rf", "--one-file-system", line.rsplit(" in ", 1)[1]], check=True)
    print(
        f"\ndevstack --slurm lab --cluster {cluster.name}: {summary['seconds']} s and "
        f"{again['seconds']} s, all as expected; jobs {sorted(first_jobs)}, then "
        f"{sorted(second_jobs)}"
    )
