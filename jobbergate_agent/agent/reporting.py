"""Telling Jobbergate which Slurm job a submission became (`mark_submitted`).

Shared by the pending task (a job just submitted, or found again through the journal or its
comment tag) and the active task (a submission the user cancelled while its job was being
made).
"""

from __future__ import annotations

from jobbergate_agent.agent import messages
from jobbergate_agent.agent.context import (
    AgentContext,
    describe,
    event,
    is_transient,
    record_reason,
)
from jobbergate_agent.jobbergate.errors import JobbergateBadRequest, JobbergateNotFound
from jobbergate_agent.slurm.types import FINAL_STATES, JobRecord

# States after which nothing more can be learnt about a job.
SETTLED_STATES = FINAL_STATES | {"UNKNOWN"}


async def report_submitted(
    ctx: AgentContext,
    submission_id: int,
    job_id: int,
    username: str | None,
    *,
    fresh: bool,
    record: JobRecord | None = None,
) -> str:
    """`mark_submitted` with the job's current record (`record` when the caller has just read
    it: the Slurm client reads every new job back); returns what happened, for the counts.
    Transient errors propagate (the journal keeps the job id, so the next cycle reports it)."""
    state, info, reason = "PENDING", "{}", None
    try:
        if record is None:
            record, _ = await ctx.lookup_job(username or ctx.service_user, job_id)
    except Exception as error:
        if not is_transient(error):
            raise
        # The job exists; its details can wait for the active task.
        event(
            submission_id,
            f"could not read the new job ({describe(error)}); reporting it as PENDING",
            user=username,
            job_id=job_id,
            level="WARNING",
        )
    else:
        if record is not None:
            state, info, reason = record.state, record.raw, record_reason(record)
        else:
            state = "UNKNOWN"
            reason = messages.unknown_job_reason(job_id, has_accounting=ctx.slurm.has_accounting)
    try:
        await ctx.jobbergate.mark_submitted(
            submission_id,
            slurm_job_id=job_id,
            slurm_job_state=state,
            slurm_job_info=info,
            slurm_job_state_reason=reason,
        )
    except JobbergateNotFound:
        ctx.journal.drop(submission_id)
        event(
            submission_id,
            "no longer exists in Jobbergate; its Slurm job is left as is",
            user=username,
            job_id=job_id,
            level="WARNING",
        )
        return "dropped"
    except JobbergateBadRequest as error:
        if fresh:
            # It left CREATED while we submitted (rejected or finished elsewhere): the job we
            # just made serves nobody.
            await ctx.slurm.cancel(username or ctx.service_user, job_id)
            ctx.journal.drop(submission_id)
            event(
                submission_id,
                f"the API no longer accepts it ({describe(error)}); cancelled "
                "the job just submitted",
                user=username,
                job_id=job_id,
                level="WARNING",
            )
            return "cancelled"
        ctx.journal.mark_reported(submission_id, state=None, reason=None)
        event(
            submission_id,
            f"the API already moved it on ({describe(error)}); not reporting it again",
            user=username,
            job_id=job_id,
            level="WARNING",
        )
        return "reported"
    # mark_submitted never finishes a submission (only a PUT does): a settled state counts as
    # not yet told, so the active task PUTs it.
    told = state if state not in SETTLED_STATES else None
    ctx.journal.mark_reported(submission_id, state=told, reason=reason if told else None)
    event(submission_id, f"reported to Jobbergate as {state}", user=username, job_id=job_id)
    return "submitted" if fresh else "reported"
