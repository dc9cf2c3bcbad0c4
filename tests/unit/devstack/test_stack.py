"""`python -m jobbergate_agent.devstack` (make run) as a developer runs it: a real subprocess,
with the mock Jobbergate API, the mock slurmrestd executing scripts, and the real agent."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobbergate_agent.devstack.stack import EXPECTED, _route_of

REPO = Path(__file__).resolve().parents[3]


def run_devstack(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBBERGATE_AGENT_")}
    return subprocess.run(
        [sys.executable, "-m", "jobbergate_agent.devstack", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def agent_pid(output: str) -> int:
    match = re.search(r"agent started \(jg-run, PID (\d+)\)", output)
    assert match, output
    return int(match.group(1))


def assert_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.parametrize("profile", ["26.05", "22.05"])
def test_until_done_every_seeded_submission_ends_as_it_must(tmp_path, profile):
    report_path, state = tmp_path / "report.json", tmp_path / "state"
    started = time.monotonic()
    result = run_devstack(
        "--until-done",
        "--profile",
        profile,
        "--timeout",
        "60",
        "--report",
        str(report_path),
        "--state-dir",
        str(state),
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    report = json.loads(report_path.read_text())
    rows = {row["name"]: row for row in report["submissions"]}
    assert {name: row["status"] for name, row in rows.items()} == EXPECTED

    assert rows["hello"]["slurm_job_state"] == "COMPLETED"
    assert rows["support-files"]["slurm_job_state"] == "COMPLETED"  # its checks passed
    assert rows["exits-non-zero"]["slurm_job_state"] == "FAILED"
    assert rows["exits-non-zero"]["slurm_job_id"] is not None
    reject = rows["must-reject"]["message"]
    assert "--wait" in reject and "line 3" in reject and len(reject.splitlines()) <= 2
    assert rows["must-reject"]["slurm_job_id"] is None
    cancelled = rows["cancelled-before-submit"]
    assert cancelled["slurm_job_id"] is None and cancelled["slurm_job_state"] == "CANCELLED"
    assert "before it reached Slurm" in cancelled["message"]

    # What the terminal shows: one mock API line per change, then the summary table.
    out = result.stdout
    for name, status in EXPECTED.items():
        assert re.search(rf"mock Jobbergate: submission \d+ \({name}\): \S+ -> {status}", out)
    assert "submission               status    expected" in out
    assert "outcome: done" in out
    # The agent got its settings from the stack, its key private, and stopped cleanly.
    assert (state / "jwt_hs256.key").stat().st_mode & 0o777 == 0o600
    assert "speaks REST" in (state / "agent.log").read_text()
    assert report["agent_exit_code"] == 0
    assert_gone(agent_pid(out))
    # Requests: every seeded file downloaded once, every job reported; a handful of cycles.
    counts = report["api_requests"]
    assert counts["GET /jobbergate/job-scripts/{id}/upload/{file}"] == 8
    assert counts["POST /jobbergate/job-submissions/agent/submitted"] == 4
    assert counts["POST /jobbergate/job-submissions/agent/rejected"] == 1
    assert report["slurmrestd_requests"] > 0
    print(f"devstack --profile {profile}: {elapsed:.1f} s, API requests {counts}")


def test_until_done_gives_up_after_the_timeout_and_stops_everything(tmp_path):
    report_path = tmp_path / "report.json"
    result = run_devstack("--until-done", "--timeout", "0.5", "--report", str(report_path))
    assert result.returncode == 3, result.stdout[-2000:] + result.stderr[-2000:]
    assert "not every submission ended within" in result.stderr
    report = json.loads(report_path.read_text())
    assert report["outcome"] == "timeout"
    statuses = [row["status"] for row in report["submissions"]]
    assert any(status not in ("DONE", "REJECTED", "ABORTED") for status in statuses)
    assert_gone(agent_pid(result.stdout))
    state = re.search(r"devstack: state in (\S+)", result.stdout)
    assert state and not Path(state.group(1)).exists()  # its temporary directory is removed


def test_ctrl_c_stops_the_agent_and_the_servers_and_prints_the_summary(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("JOBBERGATE_AGENT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "jobbergate_agent.devstack"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    try:
        for line in process.stdout:
            lines.append(line)
            if "-> DONE" in line:  # at least one job has run through the whole stack
                break
        process.send_signal(signal.SIGINT)
        rest, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    out = "".join(lines) + rest
    assert process.returncode == 130, out[-2000:] + errors[-2000:]
    assert "devstack: stopping (stopped, SIGINT)" in out
    assert "SIGTERM received" in out and "jobbergate agent stopped" in out
    assert "submission               status" in out
    assert_gone(agent_pid(out))


def test_lab_mode_without_a_lab_says_what_to_do(tmp_path):
    result = run_devstack("--slurm", "lab", "--lab-description", str(tmp_path / "none.json"))
    assert result.returncode == 2
    assert "the Slurm lab is not up; run `make lab-up`" in result.stderr
    assert "agent started" not in result.stdout


def test_lab_mode_names_the_clusters_when_one_is_unknown(tmp_path):
    description = tmp_path / "clusters.json"
    description.write_text(json.dumps([{"name": "slurm-22.05"}, {"name": "slurm-26.05"}]))
    result = run_devstack(
        "--slurm", "lab", "--cluster", "slurm-9", "--lab-description", str(description)
    )
    assert result.returncode == 2
    assert "no cluster 'slurm-9' (it has slurm-22.05, slurm-26.05)" in result.stderr


def test_requests_are_grouped_by_route():
    assert _route_of("/jobbergate/job-scripts/2/upload/data/params.json") == (
        "/jobbergate/job-scripts/{id}/upload/{file}"
    )
    assert _route_of("/jobbergate/job-submissions/agent/17") == (
        "/jobbergate/job-submissions/agent/{id}"
    )
    assert _route_of("/jobbergate/job-submissions/agent/pending") == (
        "/jobbergate/job-submissions/agent/pending"
    )
