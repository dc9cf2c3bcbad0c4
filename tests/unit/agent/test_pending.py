"""The pending task: submit, reject with a readable message, or leave pending; never twice."""

from __future__ import annotations

import asyncio
import json

import pytest

from jobbergate_agent.agent.components import Translator
from jobbergate_agent.agent.minimal_builder import BuiltJob
from jobbergate_agent.agent.pending import PendingTask
from jobbergate_agent.slurm.errors import (
    SlurmConnectionError,
    SlurmErrorItem,
    SlurmRejected,
    SlurmTimeoutError,
    SlurmUnknownUser,
)
from jobbergate_agent.slurm.types import JobDescription
from tests.unit.agent.conftest import CLIENT_ID, MINIMAL, add_submission, requests_to


async def test_pending_submission_becomes_a_slurm_job(mock, slurm, ctx, logs):
    sid = add_submission(mock, "sweep", execution_directory="/home/alice/runs/1")

    outcome = await PendingTask(ctx).run()

    assert outcome.ok and outcome.counts["submitted"] == 1
    assert slurm.calls["submit"] == 1
    user, job = slurm.submitted[0]
    assert user == "alice"
    assert job.script == "#!/bin/bash\necho hello\n"
    assert job.name == "sweep"
    assert job.current_working_directory == "/home/alice/runs/1"
    assert job.comment == f"jobbergate:{CLIENT_ID}:{sid}"
    assert job.environment is not None and job.environment["USER"] == "alice"
    row = mock.submissions[sid]
    job_id = slurm.submitted and next(iter(slurm.jobs))
    assert row.status == "SUBMITTED"
    assert row.slurm_job_id == job_id
    assert row.slurm_job_state == "PENDING"
    assert json.loads(row.slurm_job_info)["job_id"] == job_id  # the get_job record's raw JSON
    entry = ctx.journal.get(sid)
    assert entry.slurm_job_id == job_id and entry.reported and entry.username == "alice"
    # one line naming the submission, the user and the job
    assert any(
        f"submission {sid} [user alice, Slurm job {job_id}]: submitted" in line for line in logs
    )


async def test_default_working_directory_comes_from_the_template(mock, slurm, ctx):
    add_submission(mock, "no-dir")
    await PendingTask(ctx).run()
    assert slurm.submitted[0][1].current_working_directory == "/home/alice"


async def test_each_reject_cause_gives_one_readable_message_and_others_go_through(mock, slurm, ctx):
    good_before = add_submission(mock, "good-1")
    no_entry = add_submission(mock, "no-entrypoint")
    script_id = mock.submissions[no_entry].job_script_id
    mock.job_scripts[script_id].files["job.sh"].file_type = "SUPPORT"
    missing = add_submission(mock, "missing-file")
    mock.add_fault(
        "GET",
        f"/jobbergate/job-scripts/{mock.submissions[missing].job_script_id}/upload/job.sh",
        404,
        count=1,
    )
    no_shebang = add_submission(mock, "no-shebang", script="echo no interpreter line\n")
    unsupported = add_submission(mock, "unsupported")
    slurm.unsupported["unsupported"] = ("tres_bind",)
    refused = add_submission(mock, "bad-partition")
    slurm.rejections["bad-partition"] = SlurmRejected(
        "submit refused",
        status=500,
        errors=(SlurmErrorItem(2000, "Invalid partition name specified", "Unable to submit"),),
    )
    nobody = add_submission(mock, "nobody", owner="carol@example.com")
    ghost = add_submission(mock, "ghost", owner="ghost@example.com")
    good_after = add_submission(mock, "good-2")

    outcome = await PendingTask(ctx).run()

    assert outcome.ok
    assert outcome.counts["rejected"] == 7 and outcome.counts["submitted"] == 2
    for sid in (good_before, good_after):
        assert mock.submissions[sid].status == "SUBMITTED"
    messages = {}
    for sid in (no_entry, missing, no_shebang, unsupported, refused, nobody, ghost):
        row = mock.submissions[sid]
        assert row.status == "REJECTED", sid
        assert len(row.report_message.splitlines()) <= 2
        assert "Traceback" not in row.report_message
        messages[sid] = row.report_message
    assert "has no ENTRYPOINT file" in messages[no_entry]
    assert "job.sh" in messages[missing] and "does not exist" in messages[missing]
    assert "#!/bin/bash" in messages[no_shebang]
    assert "tres_bind" in messages[unsupported] and "v0.0.42" in messages[unsupported]
    assert "Invalid partition name specified" in messages[refused]
    assert "(error 2000)" in messages[refused] and "--partition" in messages[refused]
    assert "carol@example.com" in messages[nobody]
    assert "no entry carries this address" in messages[nobody]
    assert messages[ghost].startswith(
        "The email ghost@example.com mapped to username ghost, and ghost does not exist on "
        "the cluster"
    )
    # Slurm was asked to check the agent's own user before blaming ghost's account.
    assert ("check_auth", "ubuntu", None) in slurm.log
    # nothing rejected was left in the journal
    for sid in messages:
        assert ctx.journal.get(sid) is None


@pytest.mark.parametrize("number", [2010, 6010])
async def test_unknown_user_error_numbers_are_worded_as_a_missing_account(mock, slurm, ctx, number):
    sid = add_submission(mock, "uid")
    slurm.rejections["uid"] = SlurmRejected(
        "refused", errors=(SlurmErrorItem(number, "Rejecting authentication", "job_submit"),)
    )
    await PendingTask(ctx).run()
    assert mock.submissions[sid].report_message.startswith(
        "The email alice@example.com mapped to username alice, and alice does not exist"
    )


async def test_slurm_unknown_user_is_worded_as_a_missing_account(mock, slurm, ctx):
    sid = add_submission(mock, "uid99", owner="bob@example.com")
    slurm.rejections["uid99"] = SlurmUnknownUser(
        "bob", "Slurm does not know the user bob: there is no such account on the cluster"
    )
    await PendingTask(ctx).run()
    assert mock.submissions[sid].report_message == (
        "The email bob@example.com mapped to username bob, and bob does not exist on the "
        "cluster.\nAsk the cluster administrators to create the account or to fix the user "
        "mapping."
    )
    assert ctx.journal.get(sid) is None


async def test_a_job_that_ran_as_nobody_is_not_taken_for_the_submission(mock, slurm, ctx):
    sid = add_submission(mock, "husk")
    slurm.add_job("nobody", f"jobbergate:{CLIENT_ID}:{sid}", "CANCELLED")
    await PendingTask(ctx).run()
    assert slurm.calls["submit"] == 1
    assert mock.submissions[sid].slurm_job_id == max(slurm.jobs)


async def test_a_token_slurm_refuses_for_everyone_is_not_blamed_on_the_user(mock, slurm, ctx):
    slurm.users = set()  # the agent's key is wrong: nobody is accepted
    sid = add_submission(mock, "any")
    outcome = await PendingTask(ctx).run()
    assert not outcome.ok and outcome.counts["deferred"] == 1
    assert mock.submissions[sid].status == "CREATED"
    assert requests_to(mock, "POST", "/rejected") == 0


@pytest.mark.parametrize("failure", ["slurmrestd down", "api 503 on download", "ldap down"])
async def test_transient_failures_leave_the_submission_pending(
    mock, slurm, mapper, make_ctx, settings, failure
):
    # a short grace, so that an unanswered submit is looked for in Slurm at once
    ctx = make_ctx(settings_=settings.model_copy(update={"SLURMRESTD_TIMEOUT": 0.01}))
    sid = add_submission(mock, "later", owner="bob@example.com")
    if failure == "slurmrestd down":
        slurm.fail_next("submit", SlurmConnectionError("connection refused"))
    elif failure == "api 503 on download":
        mock.add_fault("GET", "/jobbergate/job-scripts/", 503, count=10)
    else:
        mapper.unreachable.add("bob@example.com")

    outcome = await PendingTask(ctx).run()

    assert not outcome.ok and outcome.counts["deferred"] == 1
    assert mock.submissions[sid].status == "CREATED"
    assert requests_to(mock, "POST", "/rejected") == 0

    # Once the failure is gone, the next cycle submits it, exactly once.
    mapper.unreachable.clear()
    mock.faults.clear()
    await asyncio.sleep(0.05)
    outcome = await PendingTask(ctx).run()
    assert outcome.ok and mock.submissions[sid].status == "SUBMITTED"
    assert len(slurm.submitted) == 1


async def test_failed_mark_submitted_is_replayed_from_the_journal(mock, slurm, ctx):
    sid = add_submission(mock, "replay")
    mock.add_fault("POST", "/jobbergate/job-submissions/agent/submitted", 503, count=5)

    first = await PendingTask(ctx).run()
    assert not first.ok
    assert mock.submissions[sid].status == "CREATED"
    entry = ctx.journal.get(sid)
    assert entry.slurm_job_id is not None and not entry.reported

    mock.faults.clear()
    second = await PendingTask(ctx).run()
    assert second.ok and second.counts["reported"] == 1
    assert slurm.calls["submit"] == 1  # no second job
    assert mock.submissions[sid].slurm_job_id == entry.slurm_job_id
    assert ctx.journal.get(sid).reported


async def test_a_lost_submit_answer_is_found_by_its_tag_not_submitted_again(mock, slurm, ctx):
    sid = add_submission(mock, "timeout")
    slurm.lose_submit_answer = SlurmTimeoutError("no answer within 30 s")

    first = await PendingTask(ctx).run()
    assert not first.ok and mock.submissions[sid].status == "CREATED"
    entry = ctx.journal.get(sid)
    assert entry is not None and entry.slurm_job_id is None  # a submit may be in flight

    # Within the grace period (2 x SLURMRESTD_TIMEOUT) nothing is sent or searched.
    slurm.calls.clear()
    waiting = await PendingTask(ctx).run()
    assert waiting.counts["deferred"] == 1
    assert slurm.calls["submit"] == 0 and slurm.calls["find_jobs_by_comment"] == 0

    ctx.settings = ctx.settings.model_copy(update={"SLURMRESTD_TIMEOUT": 0.01})
    await asyncio.sleep(0.05)  # past the grace period
    await PendingTask(ctx).run()
    job_ids = list(slurm.jobs)
    assert len(job_ids) == 1 and len(slurm.submitted) == 1
    assert mock.submissions[sid].status == "SUBMITTED"
    assert mock.submissions[sid].slurm_job_id == job_ids[0]
    # found with one fresh query for this agent's tags
    assert ("find_jobs_by_comment", "ubuntu", f"jobbergate:{CLIENT_ID}:") in slurm.log
    assert slurm.calls["find_jobs_by_comment"] == 1


async def test_lost_journal_is_reconciled_from_slurm_comment_tags(mock, slurm, make_ctx, tmp_path):
    sid = add_submission(mock, "new-host")
    mock.add_fault("POST", "/jobbergate/job-submissions/agent/submitted", 503, count=5)
    old = make_ctx()
    await PendingTask(old).run()
    assert slurm.calls["submit"] == 1 and mock.submissions[sid].status == "CREATED"
    mock.faults.clear()

    # The same agent on a new host: an empty journal.
    new = make_ctx(journal_dir=tmp_path / "elsewhere")
    assert new.journal.get(sid) is None
    outcome = await PendingTask(new).run()

    assert outcome.ok and outcome.counts["reported"] == 1
    assert slurm.calls["submit"] == 1
    job_id = next(iter(slurm.jobs))
    assert mock.submissions[sid].slurm_job_id == job_id
    entry = new.journal.get(sid)
    assert entry.slurm_job_id == job_id and entry.username == "alice"


async def test_crash_between_slurm_and_journal_is_covered_by_the_tag(mock, slurm, ctx):
    sid = add_submission(mock, "crashed")
    # Slurm accepted the job, then the agent died before writing anything.
    job_id = slurm.add_job("alice", f"jobbergate:{CLIENT_ID}:{sid} user words", "RUNNING")
    other_agent = slurm.add_job("alice", f"jobbergate:other-cluster:{sid}")
    prefix_of_other = slurm.add_job("alice", f"jobbergate:{CLIENT_ID}:{sid}0")

    await PendingTask(ctx).run()

    assert slurm.calls["submit"] == 0
    assert mock.submissions[sid].slurm_job_id == job_id
    assert mock.submissions[sid].slurm_job_state == "RUNNING"
    assert other_agent != job_id != prefix_of_other


async def test_nothing_is_submitted_until_reconciliation_succeeds(mock, slurm, ctx):
    sid = add_submission(mock, "wait")
    slurm.fail_next("find_jobs_by_comment", SlurmConnectionError("slurmrestd down"))

    outcome = await PendingTask(ctx).run()
    assert not outcome.ok and "reconcile" in (outcome.error or "")
    assert slurm.calls["submit"] == 0 and mock.submissions[sid].status == "CREATED"

    assert (await PendingTask(ctx).run()).ok
    assert slurm.calls["find_jobs_by_comment"] == 2  # retried, then never again
    await PendingTask(ctx).run()
    assert slurm.calls["find_jobs_by_comment"] == 2


async def test_user_comment_is_kept_after_the_tag(mock, slurm, make_ctx):
    def build_job(entrypoint_name, entrypoint, **kwargs):
        built = MINIMAL.build_job(entrypoint_name, entrypoint, **{**kwargs, "sbatch_arguments": []})
        built.job.comment = "nightly run"
        return built

    translator = Translator(
        build_job=build_job,
        error=MINIMAL.error,
        describe_unsupported=MINIMAL.describe_unsupported,
        source="test",
    )
    sid = add_submission(mock, "commented", sbatch_arguments=["--comment=nightly run"])
    await PendingTask(make_ctx(translator=translator)).run()
    assert slurm.submitted[0][1].comment == f"jobbergate:{CLIENT_ID}:{sid} nightly run"


async def test_translator_gets_the_files_and_arguments(mock, slurm, make_ctx):
    seen = {}

    def build_job(entrypoint_name, entrypoint, **kwargs):
        seen.update(kwargs, entrypoint_name=entrypoint_name, entrypoint=entrypoint)
        return BuiltJob(job=JobDescription(script=entrypoint.decode(), name=kwargs["job_name"]))

    translator = Translator(
        build_job=build_job,
        error=MINIMAL.error,
        describe_unsupported=MINIMAL.describe_unsupported,
        source="test",
    )
    add_submission(
        mock,
        "args",
        files={"input.txt": b"\x00\x01data"},
        sbatch_arguments=["--mem=10M", "--time=5"],
        owner="bob@example.com",
    )
    await PendingTask(make_ctx(translator=translator)).run()
    assert seen["entrypoint_name"] == "job.sh"
    assert seen["support_files"] == {"input.txt": b"\x00\x01data"}
    assert seen["sbatch_arguments"] == ["--mem=10M", "--time=5"]
    assert seen["username"] == "bob"
    assert slurm.submitted[0][0] == "bob"


async def test_concurrency_is_bounded(mock, slurm, make_ctx, settings):
    slurm.submit_delay = 0.05
    for i in range(9):
        add_submission(mock, f"many-{i}")
    ctx = make_ctx(settings_=settings.model_copy(update={"SUBMISSION_CONCURRENCY": 3}))
    outcome = await PendingTask(ctx).run()
    assert outcome.counts["submitted"] == 9
    assert slurm.max_concurrent == 3


async def test_submission_no_longer_created_after_submit_is_cancelled(mock, slurm, ctx):
    sid = add_submission(mock, "raced")
    # Someone else finished it while we were submitting: the API answers 400.
    mock.add_fault("POST", "/jobbergate/job-submissions/agent/submitted", 400)
    outcome = await PendingTask(ctx).run()
    assert outcome.counts["cancelled"] == 1
    job_id = next(iter(slurm.jobs))
    assert ("cancel", "alice", job_id) in slurm.log
    assert ctx.journal.get(sid) is None


async def test_stop_request_leaves_the_rest_for_later(mock, slurm, ctx):
    for i in range(3):
        add_submission(mock, f"stop-{i}")
    task = PendingTask(ctx)
    task.stop.set()
    outcome = await task.run()
    assert outcome.counts["left for the next run"] == 3 and slurm.calls["submit"] == 0
