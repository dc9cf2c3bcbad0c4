"""Jobs slurmctld has forgotten (MinJobAge) by the time the agent looks again.

On 26.05 (slurmdbd, MinJobAge 5) the agent must find the true final state in accounting and the
submission end DONE. On 22.05 (no accounting, MinJobAge 20) nothing knows the job any more: it
is reported UNKNOWN with a reason saying why. Both jobs are submitted when the e2e session
starts (conftest.purge_candidates), so the purge mostly happens while other tests run."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.lab


def test_a_purged_job_is_reported_from_accounting_or_as_unknown_with_a_reason(
    purge_candidates,
):
    assert set(purge_candidates) == {"accounting", "none"}, "the lab lacks 26.05 or 22.05"
    runs = {key: run for key, (run, _, _) in purge_candidates.items()}
    ids = {key: sid for key, (_, sid, _) in purge_candidates.items()}
    with_db, without_db = runs["accounting"], runs["none"]

    job_ids = {}
    for key, run in runs.items():
        code, log = purge_candidates[key][2]  # submitted, reported PENDING or RUNNING
        assert code == 0, log[-3000:]
        row = run.row(ids[key])
        assert row.status == "SUBMITTED" and row.slurm_job_state not in ("COMPLETED", None), (
            row.snapshot()
        )
        job_ids[key] = row.slurm_job_id

    started = time.monotonic()
    for key, run in runs.items():
        run.wait_until(
            lambda run=run, key=key: run.is_purged(job_ids[key]),
            timeout=90,
            what=f"slurmctld to purge job {job_ids[key]}",
        )
    purge_wait = time.monotonic() - started

    code, log = with_db.once()
    assert code == 0, log[-3000:]
    row = with_db.row(ids["accounting"])
    assert (row.status, row.slurm_job_state) == ("DONE", "COMPLETED"), (row.snapshot(), log)
    assert "slurmctld no longer knows the job; accounting says COMPLETED" in log, log[-3000:]
    facts = with_db.facts(job_ids["accounting"])
    assert facts is not None and facts.source == "sacct" and facts.state == "COMPLETED"

    code, log = without_db.once()
    assert code == 0, log[-3000:]
    row = without_db.row(ids["none"])
    assert (row.status, row.slurm_job_state) == ("ABORTED", "UNKNOWN"), (row.snapshot(), log)
    job_id = job_ids["none"]
    assert row.report_message == (
        f"slurmctld no longer knows job {job_id} and this cluster has no accounting "
        "(slurmdbd), so its final state cannot be known"
    ), row.report_message
    print(
        f"\npurged jobs: {with_db.label}: job {job_ids['accounting']} reported COMPLETED from "
        f"slurmdbd; {without_db.label}: job {job_id} reported UNKNOWN with its reason; "
        f"waited {purge_wait:.0f} s more for the purges"
    )
