"""A crash between submitting and reporting never makes a second job (docs/idempotency.md).

The mock API refuses every `agent/submitted` (503), so the daemon submits the job to the real
slurmrestd, journals it, and cannot report it; it is then killed with SIGKILL. The restarted
agent, with its journal kept or with it deleted (a new host, a lost volume), must report the
job that exists, and Slurm must hold exactly one job carrying the submission's tag. Then the
user cancels the submission, and the agent cancels that job in Slurm."""

from __future__ import annotations

import shutil

import pytest

from tests.integration.e2e import scripts

pytestmark = pytest.mark.lab

SUBMITTED = "/jobbergate/job-submissions/agent/submitted"

CASES = [
    ("journal-kept", "slurm-26.05", "v0.0.45"),
    ("journal-deleted", "slurm-24.11", "v0.0.41"),
    ("journal-deleted", "slurm-22.05", "v0.0.38"),
]


@pytest.mark.parametrize(
    ("journal", "cluster_name", "version"), CASES, ids=[f"{j}-{c}/{v}" for j, c, v in CASES]
)
def test_killed_after_submitting_makes_no_second_job(make_run, journal, cluster_name, version):
    run = make_run(cluster_name, version)
    sid = run.add("crash", {"job.sh": scripts.LONG})
    run.api.add_fault("POST", SUBMITTED, 503, count=10_000)

    run.start()
    job_ids = run.wait_until(lambda: run.jobs_tagged(sid), timeout=60, what="the job in Slurm")
    run.wait_until(
        lambda: ("POST", SUBMITTED) in run.api.requests, timeout=30, what="a failed report"
    )
    run.kill()  # SIGKILL between submitting and reporting
    assert len(job_ids) == 1, job_ids
    job_id = job_ids[0]
    assert run.row(sid).status == "CREATED" and run.row(sid).slurm_job_id is None
    assert (run.cache_dir / "submission-journal.sqlite3").exists()

    run.api.faults.clear()
    if journal == "journal-deleted":
        shutil.rmtree(run.cache_dir)
    code, log = run.once()
    assert code == 0, log[-3000:]
    row = run.row(sid)
    assert (row.status, row.slurm_job_id) == ("SUBMITTED", job_id), (row.snapshot(), log[-3000:])
    if journal == "journal-deleted":
        assert "found in Slurm by its comment tag" in log, log[-3000:]
    else:
        assert "already has a Slurm job (journal)" in log, log[-3000:]
    assert "submitted to Slurm as" not in log  # nothing new was sent to Slurm
    code, log = run.once()  # and a further cycle does not either
    assert code == 0 and "submitted to Slurm as" not in log, log[-3000:]
    assert run.jobs_tagged(sid) == [job_id]

    # The user cancels it: the agent cancels the job in Slurm and reports it.
    run.api.cancel(sid)
    code, log = run.once()
    assert code == 0, log[-3000:]
    assert f"cancelled in Slurm as {run.user}" in log, log[-3000:]
    facts = run.wait_until(
        lambda: (f := run.facts(job_id)) and f.state == "CANCELLED" and f,
        timeout=30,
        what="Slurm to show the job cancelled",
    )
    run.wait_until(
        lambda: run.once()[0] == 0 and run.row(sid).status == "ABORTED",
        timeout=60,
        what="the cancellation to be reported",
    )
    assert run.row(sid).slurm_job_state == "CANCELLED"
    print(
        f"\n{run.label}: {journal}; SIGKILLed after Slurm job {job_id} was made; the restart "
        f"reported it, one tagged job in Slurm; cancelled ({facts.state}, via {facts.source})"
    )
