"""A crash between submitting and reporting never makes a second job (docs/idempotency.md).

The mock API refuses every `agent/submitted` (503), so the daemon submits the job to the real
slurmrestd, journals it, and cannot report it; it is then killed with SIGKILL. The restarted
agent, with its journal kept or with it deleted (a new host, a lost volume), must report the
job that exists, and Slurm must hold exactly one job carrying the submission's tag. Then the
user cancels the submission, and the agent cancels that job in Slurm."""

from __future__ import annotations

import shutil
import time

import pytest

from tests.integration.e2e import scripts
from tests.integration.e2e.proxy import SlurmProxy

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


def test_a_lost_submit_answer_is_settled_by_the_tag_not_by_a_second_submit(make_run):
    """slurmrestd makes the jobs but its answers never reach the agent (timeouts): the journal
    rows have no job id. The agent must wait out the grace period, then find each job by its
    tag; one of them the user cancelled meanwhile, so its job must be cancelled in Slurm."""
    run = make_run("slurm-26.05", "v0.0.45")
    with SlurmProxy(int(run.cluster.url.rsplit(":", 1)[1])) as proxy:
        # The first run gives up on the answers after 3 s; the later ones wait out a grace
        # period of twice their SLURMRESTD_TIMEOUT (6 s) from the moment the submit was sent.
        timeout = 6
        run.env_overrides = {
            "BASE_SLURMRESTD_URL": f"http://127.0.0.1:{proxy.port}",
            "SLURMRESTD_TIMEOUT": "3",
        }
        sid = run.add("lost-answer", {"job.sh": scripts.LONG})
        cancelled = run.add("lost-then-cancelled", {"job.sh": scripts.LONG})
        proxy.drop_submit_answer = True
        sent_before = time.monotonic()
        code, log = run.once()
        assert code == 1, log[-3000:]  # left pending: the submits' fate is unknown
        assert proxy.submits == 2 and run.row(sid).status == "CREATED"
        job_ids = run.wait_until(lambda: run.jobs_tagged(sid), timeout=20, what="the job")
        other = run.wait_until(lambda: run.jobs_tagged(cancelled), timeout=20, what="the job")
        run.api.cancel(cancelled)  # while the agent does not know its job exists
        run.env_overrides["SLURMRESTD_TIMEOUT"] = str(timeout)

        code, log = run.once()  # within the grace period: neither submit nor settle
        assert code == 1 and proxy.submits == 2, log[-3000:]
        assert run.row(sid).status == "CREATED"
        assert run.row(cancelled).slurm_job_state is None  # not "cancelled before Slurm"
        assert "got no answer" in log, log[-3000:]

        # (+3: the submits left a little after the process started)
        time.sleep(max(0.0, 2 * timeout + 3 - (time.monotonic() - sent_before)))
        code, log = run.once()
        assert code == 0, log[-3000:]
        row = run.row(sid)
        assert (row.status, row.slurm_job_id) == ("SUBMITTED", job_ids[0]), row.snapshot()
        assert "found in Slurm by its comment tag" in log, log[-3000:]
        assert proxy.submits == 2 and run.jobs_tagged(sid) == job_ids
        # The cancelled one: its job is cancelled in Slurm and the API told its id.
        assert run.row(cancelled).slurm_job_id == other[0], run.row(cancelled).snapshot()
        facts = run.wait_until(
            lambda: (f := run.facts(other[0])) and f.state == "CANCELLED" and f,
            timeout=30,
            what="Slurm to show the cancelled submission's job cancelled",
        )
        run.wait_until(
            lambda: run.once()[0] == 0 and run.row(cancelled).status == "ABORTED",
            timeout=60,
            what="the cancellation to be reported",
        )
        assert run.row(cancelled).slurm_job_state == "CANCELLED"
        assert run.jobs_tagged(cancelled) == other
    print(
        f"\n{run.label}: submit answers dropped; job {job_ids[0]} found by its tag; job "
        f"{other[0]} of a submission cancelled meanwhile found and cancelled ({facts.source})"
    )


def test_sigterm_while_a_submit_is_in_flight_finishes_and_reports_it(make_run):
    run = make_run("slurm-24.11", "v0.0.42")
    with SlurmProxy(int(run.cluster.url.rsplit(":", 1)[1])) as proxy:
        run.env_overrides = {"BASE_SLURMRESTD_URL": f"http://127.0.0.1:{proxy.port}"}
        sid = run.add("in-flight", {"job.sh": scripts.LONG})
        proxy.delay_submit_answer = 3.0
        run.start()
        run.wait_until(lambda: proxy.submits == 1, timeout=30, what="the submit to be sent")
        stopped_at = time.monotonic()
        assert run.stop() == 0, run.log()[-3000:]  # SIGTERM during the submit
        took = time.monotonic() - stopped_at
        log = run.log()
        row = run.row(sid)
        assert row.status == "SUBMITTED" and row.slurm_job_id, (row.snapshot(), log[-3000:])
        assert log.index("SIGTERM received") < log.index("submitted to Slurm as")
        assert run.jobs_tagged(sid) == [row.slurm_job_id] and proxy.submits == 1
    print(f"\n{run.label}: SIGTERM mid-submit; stopped in {took:.1f} s with job reported")


def test_a_restart_re_reports_nothing_and_without_its_journal_still_cancels_as_the_owner(
    make_run,
):
    run = make_run("slurm-24.11", "v0.0.42")
    sid = run.add("restarted", {"job.sh": scripts.LONG})
    run.start()
    run.wait_until(lambda: run.row(sid).slurm_job_state == "RUNNING", 60, "the job to run")
    assert run.stop() == 0
    job_id = run.row(sid).slurm_job_id

    def puts_during_once() -> tuple[list[tuple[str, str]], str]:
        before = len(run.api.requests)
        code, log = run.once()
        assert code == 0, log[-3000:]
        return [r for r in run.api.requests[before:] if r[0] == "PUT" and "/agent/" in r[1]], log

    puts, _ = puts_during_once()  # the journal says the API was told RUNNING already
    assert puts == []
    shutil.rmtree(run.cache_dir)  # a new host: the state is told again, once
    puts, _ = puts_during_once()
    assert puts == [("PUT", f"/jobbergate/job-submissions/agent/{sid}")]
    run.api.cancel(sid)  # the owner comes from the job record, the journal being gone
    _, log = puts_during_once()
    assert f"cancelled in Slurm as {run.user}" in log, log[-3000:]
    facts = run.wait_until(
        lambda: (f := run.facts(job_id)) and f.state == "CANCELLED" and f, 30, "the cancel"
    )
    assert run.jobs_tagged(sid) == [job_id]
    print(f"\n{run.label}: restart re-reported nothing; lost journal: cancelled ({facts.state})")
