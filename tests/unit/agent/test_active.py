"""The active task: one batched state query, PUT only on change, cancellations, purged jobs."""

from __future__ import annotations

import asyncio

from jobbergate_agent.agent.active import ActiveTask
from jobbergate_agent.agent.messages import CANCELLED_BEFORE_SLURM
from jobbergate_agent.agent.pending import PendingTask
from jobbergate_agent.slurm.errors import SlurmConnectionError
from tests.unit.agent.conftest import CLIENT_ID, add_submission, requests_to


async def submitted(mock, ctx, *names: str, owner: str = "alice@example.com") -> list[int]:
    ids = [add_submission(mock, name, owner=owner) for name in names]
    assert (await PendingTask(ctx).run()).ok
    assert all(mock.submissions[i].status == "SUBMITTED" for i in ids)
    return ids


def puts(mock, submission_id: int | None = None) -> int:
    fragment = f"/agent/{submission_id}" if submission_id else "/agent/"
    return sum(1 for m, p in mock.requests if m == "PUT" and fragment in p and "clusters" not in p)


async def test_one_state_query_for_all_jobs_and_put_only_on_change(mock, slurm, ctx):
    ids = await submitted(mock, ctx, *(f"job-{i}" for i in range(5)))
    jobs = {i: mock.submissions[i].slurm_job_id for i in ids}
    slurm.calls.clear()
    for job_id in jobs.values():
        slurm.set_state(job_id, "RUNNING", "None")

    first = await ActiveTask(ctx).run()
    assert first.ok and first.counts["updated"] == 5
    assert slurm.calls["get_job_states"] == 1  # ONE batched query for 5 jobs
    (queried,) = [ids_ for method, _, ids_ in slurm.log if method == "get_job_states"]
    assert sorted(queried) == sorted(jobs.values())
    assert slurm.calls["get_job"] == 5 and puts(mock) == 5
    assert all(mock.submissions[i].slurm_job_state == "RUNNING" for i in ids)

    # Nothing changed: one state query, no record fetched, no PUT.
    slurm.calls.clear()
    second = await ActiveTask(ctx).run()
    assert second.counts["unchanged"] == 5
    assert slurm.calls["get_job_states"] == 1 and slurm.calls["get_job"] == 0
    assert puts(mock) == 5

    # One job finishes: one record, one PUT.
    slurm.set_state(jobs[ids[2]], "COMPLETED", "None")
    slurm.calls.clear()
    third = await ActiveTask(ctx).run()
    assert third.counts["updated"] == 1 and slurm.calls["get_job"] == 1 and puts(mock) == 6
    assert mock.submissions[ids[2]].status == "DONE"
    assert ctx.journal.get(ids[2]).last_state == "COMPLETED"
    # Finished and no longer listed by the API: forgotten on the next run.
    await ActiveTask(ctx).run()
    assert ctx.journal.get(ids[2]) is None


async def test_a_restart_does_not_report_everything_again(mock, slurm, ctx, make_ctx):
    ids = await submitted(mock, ctx, "a", "b")
    for i in ids:
        slurm.set_state(mock.submissions[i].slurm_job_id, "RUNNING", "None")
    await ActiveTask(ctx).run()
    before = puts(mock)

    restarted = make_ctx()  # same journal file, new process
    outcome = await ActiveTask(restarted).run()
    assert outcome.counts["unchanged"] == 2 and puts(mock) == before


async def test_reason_change_is_reported(mock, slurm, ctx):
    (sid,) = await submitted(mock, ctx, "reason")
    job_id = mock.submissions[sid].slurm_job_id
    slurm.set_state(job_id, "PENDING", "Resources")
    await ActiveTask(ctx).run()
    assert mock.submissions[sid].slurm_job_state_reason == "Resources"
    slurm.set_state(job_id, "PENDING", "Priority")
    await ActiveTask(ctx).run()
    assert mock.submissions[sid].slurm_job_state_reason == "Priority"


async def test_cancellation_is_carried_to_slurm_as_the_owner(mock, slurm, ctx):
    (sid,) = await submitted(mock, ctx, "to-cancel", owner="bob@example.com")
    job_id = mock.submissions[sid].slurm_job_id
    slurm.set_state(job_id, "RUNNING", "None")
    mock.cancel(sid)

    await ActiveTask(ctx).run()
    assert ("cancel", "bob", job_id) in slurm.log
    assert mock.submissions[sid].status == "ABORTED"
    assert mock.submissions[sid].slurm_job_state == "CANCELLED"

    slurm.calls.clear()
    await ActiveTask(ctx).run()
    assert slurm.calls["cancel"] == 0  # sent once


async def test_cancel_uses_the_job_record_owner_when_the_journal_lost_it(
    mock, slurm, make_ctx, tmp_path
):
    sid = add_submission(mock, "orphan")
    job_id = slurm.add_job("bob", f"jobbergate:{CLIENT_ID}:{sid}", "RUNNING")
    mock.submissions[sid].status = "CANCELLED"
    mock.submissions[sid].slurm_job_id = job_id

    ctx = make_ctx(journal_dir=tmp_path / "empty")
    await ActiveTask(ctx).run()
    assert ("cancel", "bob", job_id) in slurm.log
    assert mock.submissions[sid].slurm_job_state == "CANCELLED"


async def test_cancelled_before_it_reached_slurm(mock, slurm, ctx):
    sid = add_submission(mock, "never")
    mock.cancel(sid)

    outcome = await ActiveTask(ctx).run()
    assert outcome.ok and outcome.counts["updated"] == 1
    row = mock.submissions[sid]
    body = row.reports[-1][1]
    assert body == {
        "slurm_job_id": None,
        "slurm_job_state": "CANCELLED",
        "slurm_job_info": "{}",
        "slurm_job_state_reason": CANCELLED_BEFORE_SLURM,
    }
    assert row.status == "ABORTED" and slurm.calls["cancel"] == 0


async def test_cancelled_while_its_report_was_lost_cancels_the_job_and_reports_it(mock, slurm, ctx):
    sid = add_submission(mock, "half")
    mock.add_fault("POST", "/jobbergate/job-submissions/agent/submitted", 503, count=5)
    await PendingTask(ctx).run()
    mock.faults.clear()
    job_id = ctx.journal.get(sid).slurm_job_id
    mock.cancel(sid)  # CANCELLED, and the API holds no job id

    await ActiveTask(ctx).run()
    assert ("cancel", "alice", job_id) in slurm.log
    assert mock.submissions[sid].slurm_job_id == job_id  # reported, not "never reached Slurm"
    await ActiveTask(ctx).run()
    assert mock.submissions[sid].status == "ABORTED"
    assert mock.submissions[sid].slurm_job_state == "CANCELLED"


async def test_purged_job_found_in_accounting_reports_its_true_final_state(mock, slurm, ctx):
    slurm.accounting = True
    (sid,) = await submitted(mock, ctx, "purged")
    job_id = mock.submissions[sid].slurm_job_id
    slurm.set_state(job_id, "RUNNING", "None")
    await ActiveTask(ctx).run()
    slurm.set_state(job_id, "COMPLETED", "None")
    slurm.purge(job_id)  # MinJobAge passed: only slurmdbd knows it

    await ActiveTask(ctx).run()
    assert ("get_accounting_job", "alice", job_id) in slurm.log
    assert mock.submissions[sid].slurm_job_state == "COMPLETED"
    assert mock.submissions[sid].status == "DONE"


async def test_job_found_nowhere_is_unknown_with_the_reason(mock, slurm, ctx):
    (sid,) = await submitted(mock, ctx, "vanished")
    job_id = mock.submissions[sid].slurm_job_id
    slurm.purge(job_id, to_accounting=False)

    await ActiveTask(ctx).run()
    row = mock.submissions[sid]
    assert row.slurm_job_state == "UNKNOWN" and row.status == "ABORTED"
    assert row.slurm_job_state_reason == (
        f"slurmctld no longer knows job {job_id} and this cluster has no accounting "
        "(slurmdbd), so its final state cannot be known"
    )
    assert slurm.calls["get_accounting_job"] == 0


async def test_job_missing_from_accounting_too_says_so(mock, slurm, ctx):
    slurm.accounting = True
    (sid,) = await submitted(mock, ctx, "gone")
    job_id = mock.submissions[sid].slurm_job_id
    slurm.purge(job_id, to_accounting=False)
    await ActiveTask(ctx).run()
    reason = mock.submissions[sid].slurm_job_state_reason
    assert mock.submissions[sid].slurm_job_state == "UNKNOWN"
    assert "neither slurmctld nor the accounting database" in reason and str(job_id) in reason


async def test_job_hidden_from_the_state_query_is_confirmed_before_unknown(mock, slurm, ctx):
    (sid,) = await submitted(mock, ctx, "hidden")
    job_id = mock.submissions[sid].slurm_job_id
    slurm.set_state(job_id, "RUNNING", "None")
    slurm.state_query_hides.add(job_id)  # e.g. PrivateData=jobs for the service user
    await ActiveTask(ctx).run()
    assert mock.submissions[sid].slurm_job_state == "RUNNING"
    assert ("get_job", "alice", job_id) in slurm.log


async def test_accounting_down_is_not_unknown(mock, slurm, ctx):
    slurm.accounting = True
    (sid,) = await submitted(mock, ctx, "dbd-down")
    job_id = mock.submissions[sid].slurm_job_id
    slurm.purge(job_id)
    slurm.fail_next("get_accounting_job", SlurmConnectionError("slurmdbd unreachable"))
    outcome = await ActiveTask(ctx).run()
    assert not outcome.ok
    assert mock.submissions[sid].slurm_job_state == "PENDING"  # nothing reported


async def test_404_drops_the_submission_from_the_journal(mock, slurm, ctx):
    (sid,) = await submitted(mock, ctx, "deleted")
    slurm.set_state(mock.submissions[sid].slurm_job_id, "RUNNING", "None")
    mock.add_fault("PUT", f"/jobbergate/job-submissions/agent/{sid}", 404)
    outcome = await ActiveTask(ctx).run()
    assert outcome.counts["dropped"] == 1
    assert ctx.journal.get(sid) is None


async def test_409_is_logged_with_both_ids_and_not_retried(mock, slurm, ctx, logs):
    (sid,) = await submitted(mock, ctx, "conflict")
    job_id = mock.submissions[sid].slurm_job_id
    slurm.set_state(job_id, "RUNNING", "None")
    mock.add_fault("PUT", f"/jobbergate/job-submissions/agent/{sid}", 409)

    outcome = await ActiveTask(ctx).run()
    assert outcome.counts["conflict"] == 1
    assert ctx.journal.get(sid).conflict_job_id == job_id
    line = next(line for line in logs if "409" in line)
    assert line.startswith("ERROR") and f"submission {sid}" in line and str(job_id) in line

    before = puts(mock, sid)
    again = await ActiveTask(ctx).run()
    assert again.counts["conflict, not retried"] == 1 and puts(mock, sid) == before


async def test_state_query_failure_sends_no_updates(mock, slurm, ctx):
    await submitted(mock, ctx, "down")
    slurm.fail_next("get_job_states", SlurmConnectionError("slurmrestd down"))
    before = puts(mock)
    outcome = await ActiveTask(ctx).run()
    assert not outcome.ok and "could not query the state" in outcome.error
    assert puts(mock) == before


async def test_one_failing_item_does_not_stop_the_others(mock, slurm, ctx):
    ids = await submitted(mock, ctx, "x", "y", "z")
    for i in ids:
        slurm.set_state(mock.submissions[i].slurm_job_id, "RUNNING", "None")
    mock.add_fault("PUT", f"/jobbergate/job-submissions/agent/{ids[1]}", 503, count=1)
    outcome = await ActiveTask(ctx).run()
    assert not outcome.ok and outcome.counts["updated"] == 2
    assert mock.submissions[ids[0]].slurm_job_state == "RUNNING"
    assert mock.submissions[ids[2]].slurm_job_state == "RUNNING"
    assert requests_to(mock, "PUT", f"/agent/{ids[1]}") == 1
    # the failed one is retried on the next run, because its change was never recorded
    await ActiveTask(ctx).run()
    assert mock.submissions[ids[1]].slurm_job_state == "RUNNING"


async def test_settled_jobs_are_not_queried_again(mock, slurm, ctx):
    # OUT_OF_MEMORY is final in Slurm but leaves the submission SUBMITTED in Jobbergate.
    (sid,) = await submitted(mock, ctx, "oom")
    slurm.set_state(mock.submissions[sid].slurm_job_id, "OUT_OF_MEMORY", "None")
    await ActiveTask(ctx).run()
    assert mock.submissions[sid].status == "SUBMITTED"
    slurm.calls.clear()
    outcome = await ActiveTask(ctx).run()
    assert outcome.counts["settled"] == 1 and slurm.calls["get_job_states"] == 0


async def test_cancelled_during_an_unanswered_submit_is_not_called_never_submitted(
    mock, slurm, ctx
):
    from jobbergate_agent.slurm.errors import SlurmTimeoutError

    sid = add_submission(mock, "in-flight")
    slurm.lose_submit_answer = SlurmTimeoutError("no answer")
    await PendingTask(ctx).run()  # the job exists, the journal only knows a submit was sent
    mock.cancel(sid)

    waiting = await ActiveTask(ctx).run()
    assert waiting.counts["deferred"] == 1
    assert requests_to(mock, "PUT", f"/agent/{sid}") == 0  # not "cancelled before Slurm"

    ctx.settings = ctx.settings.model_copy(update={"SLURMRESTD_TIMEOUT": 0.01})
    await asyncio.sleep(0.05)  # past the grace period
    await ActiveTask(ctx).run()
    job_id = next(iter(slurm.jobs))
    assert ("cancel", "alice", job_id) in slurm.log
    assert mock.submissions[sid].slurm_job_id == job_id


async def test_slurm_reason_none_is_reported_as_null(mock, slurm, ctx):
    (sid,) = await submitted(mock, ctx, "no-reason")
    assert mock.submissions[sid].reports[-1][1]["slurm_job_state_reason"] is None
    slurm.set_state(mock.submissions[sid].slurm_job_id, "RUNNING", "None")
    await ActiveTask(ctx).run()
    assert mock.submissions[sid].slurm_job_state == "RUNNING"
    assert mock.submissions[sid].slurm_job_state_reason is None
