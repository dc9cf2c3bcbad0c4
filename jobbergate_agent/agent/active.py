"""The active task: follow every submitted job until it ends, and carry cancellations to Slurm.

Per cycle: one list of active submissions from the API, ONE batched state query to slurmrestd
for all their jobs, then only for the jobs whose state or reason changed since the API was last
told (the journal remembers it, across restarts): the full record (`get_job`) and a PUT.

- A CANCELLED submission with a job: the job is cancelled in Slurm as its owner (the username
  the journal kept at submit time, else the job record's `user_name`), once, then its state is
  reported as it evolves.
- A CANCELLED submission without a job: reported CANCELLED with `slurm_job_id` null, unless
  Slurm does hold a job for it (a submit whose report was lost), which is then cancelled and
  reported.
- A job slurmctld no longer knows: confirmed with `get_job`, then looked up in accounting when
  the cluster has it; only a job found nowhere is reported UNKNOWN, with a reason saying why.
- 404: the submission is gone, its journal row too. 409: logged with both ids and remembered,
  so the same PUT is not sent again.

The state query runs as X_SLURM_USER_NAME. In proxy mode that is any user; in per-user mode it
is a real Slurm user who must be allowed to see other users' jobs, which is Slurm's default
(PrivateData without `jobs`). A job hidden from it is still confirmed with `get_job` as its
owner before it is declared gone.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from loguru import logger

from jobbergate_agent.agent import messages
from jobbergate_agent.agent.context import (
    AgentContext,
    TaskOutcome,
    describe,
    event,
    is_transient,
    record_reason,
    state_reason,
)
from jobbergate_agent.agent.journal import JournalEntry
from jobbergate_agent.agent.reporting import SETTLED_STATES, report_submitted
from jobbergate_agent.agent.tags import submission_tag
from jobbergate_agent.jobbergate.errors import (
    JobbergateBadRequest,
    JobbergateConflict,
    JobbergateNotFound,
)
from jobbergate_agent.jobbergate.schemas import ActiveSubmission
from jobbergate_agent.slurm.errors import SlurmJobNotFound
from jobbergate_agent.slurm.types import FINAL_STATES, JobRecord, JobStateInfo


class ActiveTask:
    name = "active"

    def __init__(self, ctx: AgentContext, stop: asyncio.Event | None = None) -> None:
        self.ctx = ctx
        self.stop = stop or asyncio.Event()

    async def run(self) -> TaskOutcome:
        ctx = self.ctx
        outcome = TaskOutcome(self.name)
        listed_at = datetime.now(UTC)
        try:
            await ctx.ensure_negotiated()
            submissions = await ctx.jobbergate.active_submissions()
        except Exception as error:
            outcome.ok = False
            outcome.error = f"could not list active submissions: {describe(error)}"
            return outcome

        followed: list[tuple[ActiveSubmission, JournalEntry]] = []
        before_slurm: list[ActiveSubmission] = []
        for submission in submissions:
            if submission.id in ctx.in_flight:
                outcome.counts["being submitted"] += 1
            elif submission.slurm_job_id is None:
                if submission.status == "CANCELLED":
                    before_slurm.append(submission)
                else:
                    event(
                        submission.id,
                        f"is {submission.status} without a Slurm job id; nothing to follow",
                        level="WARNING",
                    )
                    outcome.counts["no job id"] += 1
            else:
                entry = ctx.journal.track(submission.id, submission.slurm_job_id)
                if entry.slurm_job_id != submission.slurm_job_id:
                    event(
                        submission.id,
                        f"the journal has Slurm job {entry.slurm_job_id} but the "
                        f"API has {submission.slurm_job_id}; following the API's",
                        job_id=submission.slurm_job_id,
                        level="WARNING",
                    )
                if entry.conflict_job_id == submission.slurm_job_id:
                    outcome.counts["conflict, not retried"] += 1
                elif entry.last_state in SETTLED_STATES:
                    outcome.counts["settled"] += 1  # final and told: nothing can change
                else:
                    followed.append((submission, entry))

        states: dict[int, JobStateInfo] | None = {}
        if followed:
            job_ids = [s.slurm_job_id for s, _ in followed if s.slurm_job_id is not None]
            try:
                states = await ctx.slurm.get_job_states(ctx.service_user, job_ids)
            except Exception as error:
                states = None
                outcome.ok = False
                outcome.error = (
                    f"could not query the state of {len(job_ids)} job(s) as "
                    f"{ctx.service_user}: {describe(error)}"
                )

        semaphore = asyncio.Semaphore(ctx.settings.SUBMISSION_CONCURRENCY)

        async def guarded(submission: ActiveSubmission, work: Callable[[], Awaitable[str]]) -> None:
            async with semaphore:
                if self.stop.is_set():
                    outcome.counts["left for the next run"] += 1
                    return
                try:
                    outcome.counts[await work()] += 1
                except Exception as error:
                    level = "WARNING" if is_transient(error) else "ERROR"
                    event(
                        submission.id,
                        f"not updated this cycle: {describe(error)}",
                        job_id=submission.slurm_job_id,
                        level=level,
                    )
                    if not is_transient(error):
                        logger.opt(exception=error).debug("details")
                    outcome.fail("deferred")

        work = [guarded(s, functools.partial(self.cancelled_before_slurm, s)) for s in before_slurm]
        if states is not None:
            work += [
                guarded(s, functools.partial(self.follow, s, e, states.get(s.slurm_job_id or 0)))
                for s, e in followed
            ]
        await asyncio.gather(*work)

        # Rows of finished submissions the API no longer lists can go; only when the list was
        # complete (not cut by MAX_PAGES_PER_CYCLE).
        cap = ctx.settings.MAX_PAGES_PER_CYCLE * ctx.settings.ITEMS_PER_PAGE
        if len(submissions) < cap:
            dropped = ctx.journal.prune(
                (s.id for s in submissions), settled_states=SETTLED_STATES, older_than=listed_at
            )
            if dropped:
                logger.debug("journal: forgot finished submissions {}", dropped)
        return outcome

    async def follow(
        self, submission: ActiveSubmission, entry: JournalEntry, info: JobStateInfo | None
    ) -> str:
        ctx = self.ctx
        job_id = submission.slurm_job_id
        assert job_id is not None
        owner = entry.username
        record: JobRecord | None = None
        if info is not None:
            if (
                submission.status == "CANCELLED"
                and info.state not in FINAL_STATES
                and not entry.cancel_sent
            ):
                await self._cancel(submission.id, job_id, owner)
            elif not _changed(info, entry):
                return "unchanged"
            try:
                record = await ctx.slurm.get_job(owner or ctx.service_user, job_id)
            except SlurmJobNotFound:
                info = None  # purged since the state query
        if info is None:
            # Not listed by slurmctld: make sure (as the owner), then ask accounting.
            record, _ = await ctx.lookup_job(owner or ctx.service_user, job_id)
        if record is None:
            state, raw = "UNKNOWN", "{}"
            reason: str | None = messages.unknown_job_reason(
                job_id, has_accounting=ctx.slurm.has_accounting
            )
        else:
            state, raw, reason = record.state, record.raw, record_reason(record)
            if record.source == "slurmdbd" and state != entry.last_state:
                event(
                    submission.id,
                    f"slurmctld no longer knows the job; accounting says {state}",
                    user=owner or record.user_name,
                    job_id=job_id,
                )
        if (state, reason) == (entry.last_state, entry.last_reason):
            return "unchanged"
        return await self._put(
            submission.id,
            job_id,
            state=state,
            raw=raw,
            reason=reason,
            user=owner or (record.user_name if record else None),
        )

    async def cancelled_before_slurm(self, submission: ActiveSubmission) -> str:
        """A submission cancelled in Jobbergate that the API holds no Slurm job id for."""
        ctx = self.ctx
        await ctx.ensure_reconciled()  # "never reached Slurm" must be checked against Slurm
        entry = ctx.journal.get(submission.id)
        job_id, user = None, entry.username if entry is not None else None
        if entry is not None and entry.slurm_job_id is not None:
            job_id = entry.slurm_job_id
        else:
            if entry is not None:
                ctx.check_submit_settled(entry)
            tagged = (
                await ctx.find_tagged_job(submission.id)
                if entry is not None
                else ctx.tag_index.get(submission.id)
            )
            if tagged is not None:
                job_id, user = tagged.job_id, user or tagged.user_name
        if job_id is not None:
            # It did reach Slurm; the API was not told yet. Cancel, then report the job so the
            # API holds its id and the next cycles follow it.
            ctx.journal.record_job(
                submission.id,
                job_id,
                username=user,
                cluster_tag=submission_tag(ctx.client_id, submission.id),
            )
            await self._cancel(submission.id, job_id, user)
            return await report_submitted(ctx, submission.id, job_id, user, fresh=False)
        result = await self._put(
            submission.id,
            None,
            state="CANCELLED",
            raw="{}",
            reason=messages.CANCELLED_BEFORE_SLURM,
            user=None,
        )
        ctx.journal.drop(submission.id)
        return result

    async def _cancel(self, submission_id: int, job_id: int, owner: str | None) -> None:
        ctx = self.ctx
        if owner is None:
            owner = (await ctx.slurm.get_job(ctx.service_user, job_id)).user_name
        await ctx.slurm.cancel(owner or ctx.service_user, job_id)
        ctx.journal.record_cancel_sent(submission_id, owner)
        event(
            submission_id,
            f"cancelled in Slurm as {owner} (the user cancelled it in Jobbergate)",
            user=owner,
            job_id=job_id,
        )

    async def _put(
        self,
        submission_id: int,
        job_id: int | None,
        *,
        state: str,
        raw: str,
        reason: str | None,
        user: str | None,
    ) -> str:
        ctx = self.ctx
        try:
            await ctx.jobbergate.update_submission(
                submission_id,
                slurm_job_id=job_id,
                slurm_job_state=state,
                slurm_job_info=raw,
                slurm_job_state_reason=reason,
            )
        except JobbergateNotFound:
            ctx.journal.drop(submission_id)
            event(
                submission_id,
                "no longer exists in Jobbergate; forgotten",
                user=user,
                job_id=job_id,
                level="WARNING",
            )
            return "dropped"
        except JobbergateConflict as error:
            if job_id is not None:
                ctx.journal.record_conflict(submission_id, job_id)
            event(
                submission_id,
                f"the API refused Slurm job id {job_id} for submission "
                f"{submission_id} as not the one it stores (409: {describe(error)}); not "
                "sending it again",
                user=user,
                job_id=job_id,
                level="ERROR",
            )
            return "conflict"
        except JobbergateBadRequest as error:
            event(
                submission_id,
                f"the API does not accept an update for it now ({describe(error)})",
                user=user,
                job_id=job_id,
                level="WARNING",
            )
            return "skipped"
        ctx.journal.record_state(submission_id, state=state, reason=reason)
        event(
            submission_id,
            f"reported {state}" + (f" ({reason})" if reason else ""),
            user=user,
            job_id=job_id,
        )
        return "updated"


def _changed(info: JobStateInfo, entry: JournalEntry) -> bool:
    if info.state != entry.last_state:
        return True
    # Some versions give no reason in the batched answer; the full record then decides.
    reason = state_reason(info.reason)
    return reason is not None and reason != entry.last_reason
