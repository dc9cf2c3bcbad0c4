"""The main flow, end to end: the real agent daemon between the mock Jobbergate API and each lab
cluster's real slurmrestd (the newest REST version of each, and v0.0.40 on 24.11).

One daemon run carries every kind of submission at once: jobs that complete or fail, support
files (bash and python entrypoints, a binary file, a subdirectory), two rejections (one by the
translator, one by Slurm) that must not hold the others up, a submission cancelled before it
reached Slurm, and one cancelled by its user while its job runs."""

from __future__ import annotations

from collections import Counter

import pytest

from jobbergate_agent.devstack.stack import _route_of
from tests.integration.e2e import scripts
from tests.integration.e2e.harness import FINAL_STATUSES, Run, SlurmFacts

pytestmark = pytest.mark.lab

FINAL_SLURM = frozenset({"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "BOOT_FAIL"})

TARGETS = [
    ("slurm-22.05", "v0.0.38"),
    ("slurm-24.11", "v0.0.42"),
    ("slurm-24.11", "v0.0.40"),
    ("slurm-26.05", "v0.0.45"),
]


def seed(run: Run) -> dict[str, int]:
    ids = {
        "hello": run.add("hello", {"job.sh": scripts.HELLO}),
        "exits-3": run.add("exits-3", {"job.sh": scripts.EXITS_3}),
        "must-reject": run.add("must-reject", {"job.sh": scripts.MUST_REJECT}),
        "bad-partition": run.add(
            "bad-partition", {"job.sh": scripts.QUICK}, sbatch_arguments=["--partition=nosuch"]
        ),
        "cancelled-before": run.add("cancelled-before", {"job.sh": scripts.LONG}),
        "cancelled-running": run.add("cancelled-running", {"job.sh": scripts.LONG}),
        "files-bash": run.add("files-bash", scripts.SUPPORT_BASH_FILES),
        "files-python": run.add("files-python", scripts.SUPPORT_PYTHON_FILES, entrypoint="main.py"),
    }
    run.api.cancel(ids["cancelled-before"])
    return ids


EXPECTED = {
    # name: (status, reported Slurm state, Slurm's own state, exit code)
    "hello": ("DONE", "COMPLETED", "COMPLETED", 0),
    "exits-3": ("ABORTED", "FAILED", "FAILED", 3),
    "must-reject": ("REJECTED", None, None, None),
    "bad-partition": ("REJECTED", None, None, None),
    "cancelled-before": ("ABORTED", "CANCELLED", None, None),
    "cancelled-running": ("ABORTED", "CANCELLED", "CANCELLED", None),
    "files-bash": ("DONE", "COMPLETED", "COMPLETED", 0),
    "files-python": ("ABORTED", "FAILED", "FAILED", 7),
}


@pytest.mark.parametrize(("cluster_name", "version"), TARGETS, ids=[f"{c}/{v}" for c, v in TARGETS])
def test_every_kind_of_submission_reaches_its_final_state(make_run, cluster_name, version):
    run = make_run(cluster_name, version)
    run.env_overrides = {"ITEMS_PER_PAGE": "3"}  # 8 submissions: every list takes pages
    ids = seed(run)
    facts: dict[str, SlurmFacts] = {}
    cancel_sent = []

    def watch() -> None:
        running = run.row(ids["cancelled-running"])
        if (
            not cancel_sent
            and running.status == "SUBMITTED"
            and running.slurm_job_state == "RUNNING"
        ):
            run.api.cancel(ids["cancelled-running"])  # the user cancels it in Jobbergate
            cancel_sent.append(running.slurm_job_state)
        # Read Slurm's own view of each job as soon as it is over (before slurmctld purges it).
        for name, sid in ids.items():
            row = run.row(sid)
            if row.slurm_job_id and name not in facts:
                found = run.facts(row.slurm_job_id)
                if found is not None and found.state in FINAL_SLURM:
                    facts[name] = found

    run.start()
    run.wait_until(
        lambda: all(s in FINAL_STATUSES for s in run.statuses().values()),
        timeout=120,
        what="every submission to end",
        every=watch,
    )
    watch()
    assert run.stop() == 0, run.log()[-2000:]  # SIGTERM: a clean stop

    rows = {name: run.row(sid) for name, sid in ids.items()}
    for name, (status, reported, slurm_state, exit_code) in EXPECTED.items():
        row = rows[name]
        assert (row.status, row.slurm_job_state) == (status, reported), (name, row.snapshot())
        if slurm_state is None:
            continue
        assert name in facts, f"{name}: Slurm never showed job {row.slurm_job_id} as ended"
        assert facts[name].state == slurm_state, (name, facts[name])
        if exit_code is not None:
            assert facts[name].exit_code == exit_code, (name, facts[name])
        if facts[name].comment is not None:  # (scontrol shows it; sacct does not here)
            assert facts[name].comment == f"{run.tag_prefix}{ids[name]}", facts[name]

    # Rejections are readable and name the problem; nothing reached Slurm for them.
    reject = rows["must-reject"].report_message
    assert "--wait" in reject and "line 3" in reject and len(reject.splitlines()) <= 2, reject
    partition = rows["bad-partition"].report_message
    assert f"Slurm refused the job submitted as {run.user}" in partition, partition
    assert "partition" in partition.lower() and len(partition.splitlines()) <= 2, partition
    for name in ("must-reject", "bad-partition", "cancelled-before"):
        assert rows[name].slurm_job_id is None and not run.jobs_tagged(ids[name]), name
    assert "before it reached Slurm" in rows["cancelled-before"].report_message

    # The running job was cancelled in Slurm by the agent, as its owner.
    assert cancel_sent, "the long job was never seen SUBMITTED"
    assert "cancelled in Slurm as" in run.all_logs()

    # Support files reached the jobs; the entrypoints' own output proves it.
    assert "hello from" in run.output_of("hello", rows["hello"].slurm_job_id)
    assert "bash support files OK" in run.output_of("files-bash", rows["files-bash"].slurm_job_id)
    assert "python support files OK" in run.output_of(
        "files-python", rows["files-python"].slurm_job_id
    )
    # No submission ever got a second job.
    for name, sid in ids.items():
        assert len(run.jobs_tagged(sid)) <= 1, (name, run.jobs_tagged(sid))

    # A quiet cycle (everything final): what it costs.
    before = len(run.api.requests)
    code, log = run.once()
    assert code == 0, log[-2000:]
    quiet = Counter(f"{m} {p}" for m, p in run.api.requests[before:] if "openid" not in p)
    assert quiet == {
        "GET /jobbergate/job-submissions/agent/pending": 1,
        "GET /jobbergate/job-submissions/agent/active": 1,
        "PUT /jobbergate/clusters/status": 1,
    }, quiet
    assert run.api.cluster_status[run.client_id].interval == run.interval
    # Finished submissions the API no longer lists are forgotten by the journal.
    assert run.journal_rows() == [], run.journal_rows()
    busy = Counter(f"{m} {_route_of(p)}" for m, p in run.api.requests[:before])
    print(
        f"\n{run.label}: cancel sent while {cancel_sent[0]}; Slurm facts "
        + ", ".join(f"{n}={f.state}/{f.exit_code} ({f.source})" for n, f in facts.items())
        + f"\n  API requests of the daemon run ({before}): {dict(busy)}"
        + f"\n  API requests of a quiet --once cycle: {dict(quiet)}"
    )


NEWEST = [("slurm-22.05", "v0.0.38"), ("slurm-24.11", "v0.0.42"), ("slurm-26.05", "v0.0.45")]


@pytest.mark.parametrize(("cluster_name", "version"), NEWEST, ids=[f"{c}/{v}" for c, v in NEWEST])
def test_a_user_slurm_does_not_know_is_rejected_and_no_job_stays_alive(
    make_run, cluster_name, version
):
    """Before 26.05 Slurm accepts a job for an unresolvable user and would run it as uid 99:
    the agent must cancel that husk and reject the submission with words a person can act on."""
    run = make_run(cluster_name, version)
    run.env_overrides = {"SINGLE_USER_SUBMITTER": "jgnosuchuser"}
    sid = run.add("ghost", {"job.sh": scripts.QUICK})
    run.row(sid).execution_directory = "/tmp"  # (the ghost has no home)
    code, log = run.once()
    assert code == 0, log[-3000:]
    row = run.row(sid)
    assert (row.status, row.slurm_job_id) == ("REJECTED", None), row.snapshot()
    assert row.report_message.startswith(
        "The email alice@example.com mapped to username jgnosuchuser, and jgnosuchuser does "
        "not exist on the cluster"
    ), row.report_message
    assert len(row.report_message.splitlines()) == 2
    husks = run.tagged_jobs()
    assert all(state == "CANCELLED" for _, state in husks.values()), husks
    print(f"\n{run.label}: unknown user rejected; husk jobs left in Slurm: {husks or 'none'}")
