"""The pending task: each CREATED submission becomes one Slurm job, or a readable rejection.

For each submission (at most SUBMISSION_CONCURRENCY at a time): map the owner's email to a
Slurm user, download the files, translate, submit as that user, then `mark_submitted`. The
journal (see `agent.journal`) is written before the API is told, and consulted before anything
is submitted, so a submission gets at most one Slurm job whatever fails when.

What happens to a submission when something goes wrong:

- the user can fix it (no entrypoint, a file gone, a script that does not translate, an option
  this slurmrestd cannot express, a job Slurm refuses, a person without an account, a username
  Slurm does not know): `mark_rejected` with a message saying what and how to fix it;
- it may work later (slurmrestd, the API or the directory down, a timeout, anything with
  `.transient`), or it is the agent's own fault (its Slurm token refused, an unexpected error):
  it stays pending, and the next cycle tries again. Nothing is rejected for a failure the user
  did not cause.
"""

from __future__ import annotations

import asyncio
from typing import Any

from loguru import logger

from jobbergate_agent.agent import messages
from jobbergate_agent.agent.context import AgentContext, TaskOutcome, describe, event, is_transient
from jobbergate_agent.agent.reporting import report_submitted
from jobbergate_agent.agent.tags import submission_tag, tagged_comment
from jobbergate_agent.jobbergate.errors import JobbergateBadRequest, JobbergateNotFound
from jobbergate_agent.jobbergate.schemas import PendingSubmission
from jobbergate_agent.slurm.errors import (
    SlurmAuthenticationError,
    SlurmRejected,
    SlurmUnknownUser,
    UnsupportedJobField,
)
from jobbergate_agent.slurm.types import JobRecord


class _MissingFile(Exception):
    def __init__(self, filename: str) -> None:
        super().__init__(filename)
        self.filename = filename


class _Deferred(Exception):
    """Not the user's fault and not fixable by them: stay pending, log why."""


class PendingTask:
    name = "pending"

    def __init__(self, ctx: AgentContext, stop: asyncio.Event | None = None) -> None:
        self.ctx = ctx
        self.stop = stop or asyncio.Event()
        self._service_user_ok: bool | None = None
        self._users: dict[int, str] = {}  # submission id -> mapped user, for log lines
        self._index_fresh = False
        self._index_lock = asyncio.Lock()

    async def run(self) -> TaskOutcome:
        outcome = TaskOutcome(self.name)
        self._service_user_ok = None
        already_reconciled = self.ctx.reconciled
        try:
            await self.ctx.ensure_reconciled()
            self._index_fresh = not already_reconciled  # read from Slurm just now
        except Exception as error:
            outcome.ok = False
            outcome.error = (
                f"could not reconcile with Slurm ({describe(error)}); nothing is "
                "submitted until it succeeds"
            )
            return outcome
        try:
            submissions = await self.ctx.jobbergate.pending_submissions()
        except Exception as error:
            outcome.ok = False
            outcome.error = f"could not list pending submissions: {describe(error)}"
            return outcome

        self.ctx.in_flight.update(s.id for s in submissions)
        semaphore = asyncio.Semaphore(self.ctx.settings.SUBMISSION_CONCURRENCY)

        async def one(submission: PendingSubmission) -> None:
            try:
                async with semaphore:
                    if self.stop.is_set():
                        outcome.counts["left for the next run"] += 1
                        return
                    result = await self._guarded(submission)
                    if result in ("deferred", "failed"):
                        outcome.fail(result)
                    else:
                        outcome.counts[result] += 1
            finally:
                self.ctx.in_flight.discard(submission.id)

        await asyncio.gather(*(one(s) for s in submissions))
        return outcome

    async def _guarded(self, submission: PendingSubmission) -> str:
        """One submission; whatever goes wrong stays with it."""
        try:
            return await self.process(submission)
        except _Deferred as error:
            event(
                submission.id,
                f"left pending: {error}",
                user=self._users.get(submission.id),
                level="ERROR",
            )
            return "deferred"
        except Exception as error:
            user = self._users.get(submission.id)
            if is_transient(error):
                event(
                    submission.id,
                    f"left pending, will retry: {describe(error)}",
                    user=user,
                    level="WARNING",
                )
                return "deferred"
            event(
                submission.id,
                f"left pending after an unexpected error: {describe(error)}",
                user=user,
                level="ERROR",
            )
            logger.opt(exception=error).debug("submission {}: details", submission.id)
            return "failed"
        finally:
            self._users.pop(submission.id, None)

    async def process(self, submission: PendingSubmission) -> str:
        ctx = self.ctx
        entry = ctx.journal.get(submission.id)
        if entry is not None and entry.slurm_job_id is not None:
            # Submitted earlier, the API was not told (a crash, a failed mark_submitted).
            event(
                submission.id,
                "already has a Slurm job (journal); reporting it",
                user=entry.username,
                job_id=entry.slurm_job_id,
            )
            return await self.report(submission, entry.slurm_job_id, entry.username, fresh=False)
        record = None
        if entry is not None:
            # A submit was sent but its answer never arrived: ask Slurm before sending another.
            ctx.check_submit_settled(entry)
            record = (await self._fresh_tag_index()).get(submission.id)
        elif submission.id in ctx.tag_index:
            record = ctx.tag_index[submission.id]
        if record is not None:
            username = (entry.username if entry is not None else None) or record.user_name
            ctx.journal.record_job(
                submission.id,
                record.job_id,
                username=username,
                cluster_tag=submission_tag(ctx.client_id, submission.id),
            )
            event(
                submission.id,
                "found in Slurm by its comment tag; reporting it instead of submitting again",
                user=username,
                job_id=record.job_id,
                level="WARNING",
            )
            return await self.report(submission, record.job_id, username, fresh=False)
        return await self.submit(submission)

    async def submit(self, submission: PendingSubmission) -> str:
        ctx = self.ctx
        email = submission.owner_email
        try:
            username = await ctx.mapper.username_for(email)
        except Exception as error:
            if _is_unmappable(error):
                reason, where = getattr(error, "reason", None), getattr(error, "where", None)
                detail = f"{reason} (looked up {where})" if reason and where else str(error)
                return await self.reject(submission, messages.unmappable(email, detail))
            raise
        self._users[submission.id] = username

        entrypoint = submission.entrypoint
        if entrypoint is None:
            script = submission.job_script
            return await self.reject(
                submission, messages.no_entrypoint(script.id, script.name), user=username
            )
        try:
            files = await self._download([entrypoint, *submission.support_files])
        except _MissingFile as missing:
            return await self.reject(
                submission,
                messages.missing_file(missing.filename, entrypoint.parent_id),
                user=username,
            )
        support = {f.filename: files[f.filename] for f in submission.support_files}

        built: Any = None
        try:
            built = await ctx.translator.build(
                entrypoint_name=entrypoint.filename,
                entrypoint=files[entrypoint.filename],
                sbatch_arguments=list(submission.sbatch_arguments),
                support_files=support,
                username=username,
                execution_directory=submission.execution_directory,
                job_name=submission.name,
                settings=ctx.settings,
            )
            job = built.job
            job.comment = tagged_comment(ctx.client_id, submission.id, job.comment)
            ctx.slurm.render_submission(job)  # UnsupportedJobField before anything is sent
        except ctx.translator.error as error:
            return await self.reject(
                submission,
                messages.translation_failed(entrypoint.filename, str(error)),
                user=username,
            )
        except UnsupportedJobField as error:
            return await self.reject(submission, self._unsupported(built, error), user=username)

        tag = submission_tag(ctx.client_id, submission.id)
        ctx.journal.begin_submit(submission.id, username=username, cluster_tag=tag)
        try:
            result = await ctx.slurm.submit(username, job)
        except UnsupportedJobField as error:
            ctx.journal.abandon_submit(submission.id)
            return await self.reject(submission, self._unsupported(built, error), user=username)
        except SlurmUnknownUser:
            # (Before 26.05 Slurm accepts such a job as uid 99; the client cancelled it.)
            ctx.journal.abandon_submit(submission.id)
            message = messages.unknown_slurm_user(email, username)
            return await self.reject(submission, message, user=username)
        except SlurmRejected as error:
            ctx.journal.abandon_submit(submission.id)
            if error.error_number in messages.UNKNOWN_USER_ERRORS:
                message = messages.unknown_slurm_user(email, username, messages.slurm_words(error))
            else:
                message = messages.slurm_rejected(
                    error, username=username, directory=job.current_working_directory
                )
            return await self.reject(submission, message, user=username)
        except SlurmAuthenticationError as error:
            # Refused before anything was created. Whose fault: the user's account or the
            # agent's token? If Slurm accepts the agent's own user, it is the account.
            ctx.journal.abandon_submit(submission.id)
            if username != ctx.service_user and await self._service_user_accepted():
                return await self.reject(
                    submission,
                    messages.unknown_slurm_user(email, username, messages.slurm_words(error)),
                    user=username,
                )
            raise _Deferred(
                f"Slurm refused the agent's token for {username} and for "
                f"{ctx.service_user} ({describe(error)}); fix the slurmrestd token settings "
                "(run jg-run check)"
            ) from error
        # (A transient error leaves the journal row without a job id: the next cycle asks
        # Slurm whether the job exists before submitting again.)
        ctx.journal.record_job(submission.id, result.job_id, username=username, cluster_tag=tag)
        event(
            submission.id, f"submitted to Slurm as {username}", user=username, job_id=result.job_id
        )
        for warning in result.warnings:
            event(
                submission.id,
                f"slurmrestd warning: {warning}",
                user=username,
                job_id=result.job_id,
                level="WARNING",
            )
        return await self.report(
            submission, result.job_id, username, fresh=True, record=result.record
        )

    async def report(
        self,
        submission: PendingSubmission,
        job_id: int,
        username: str | None,
        *,
        fresh: bool,
        record: JobRecord | None = None,
    ) -> str:
        return await report_submitted(
            self.ctx, submission.id, job_id, username, fresh=fresh, record=record
        )

    async def reject(
        self, submission: PendingSubmission, message: str, user: str | None = None
    ) -> str:
        try:
            await self.ctx.jobbergate.mark_rejected(submission.id, message)
        except JobbergateNotFound:
            event(
                submission.id,
                "no longer exists in Jobbergate; not rejected",
                user=user,
                level="WARNING",
            )
            return "dropped"
        except JobbergateBadRequest as error:
            event(
                submission.id,
                f"could not be rejected, it is no longer CREATED ({describe(error)})",
                user=user,
                level="WARNING",
            )
            return "skipped"
        event(submission.id, f"rejected: {message}", user=user, level="WARNING")
        return "rejected"

    async def _download(self, files: list[Any]) -> dict[str, bytes]:
        async def one(file: Any) -> tuple[str, bytes]:
            try:
                return file.filename, await self.ctx.jobbergate.download_file(
                    file.parent_id, file.filename
                )
            except JobbergateNotFound:
                raise _MissingFile(file.filename) from None

        results = await asyncio.gather(*(one(f) for f in files), return_exceptions=True)
        for result in results:  # a missing file first: it is the user's to fix
            if isinstance(result, _MissingFile):
                raise result
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return dict(r for r in results if not isinstance(r, BaseException))

    def _unsupported(self, built: Any, error: UnsupportedJobField) -> str:
        if built is None:
            return messages.unsupported_fields(str(error))
        return messages.unsupported_fields(self.ctx.translator.describe_unsupported(built, error))

    async def _fresh_tag_index(self) -> dict[int, Any]:
        """The tag index, re-read from Slurm at most once per run (however many unanswered
        submits there are to settle)."""
        async with self._index_lock:
            if not self._index_fresh:
                await self.ctx.refresh_tag_index()
                self._index_fresh = True
        return self.ctx.tag_index

    async def _service_user_accepted(self) -> bool:
        if self._service_user_ok is None:
            try:
                await self.ctx.slurm.check_auth(self.ctx.service_user)
                self._service_user_ok = True
            except Exception:
                self._service_user_ok = False
        return self._service_user_ok


def _is_unmappable(error: BaseException) -> bool:
    """The directory answered and this person has no account (vs. it could not be asked)."""
    if isinstance(error, LookupError):  # KeyError from Mapping-style mappers
        return True
    return getattr(error, "transient", None) is False and hasattr(error, "email")
