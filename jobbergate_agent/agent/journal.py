"""The submission journal: what the agent did in Slurm, written down before it tells Jobbergate.

Why it exists: submitting is the one step that cannot be repeated safely. Slurm would happily
run the same script twice, and Jobbergate only learns about the job from the agent. So every
submission goes through these durable steps, each a committed SQLite transaction (WAL,
`synchronous=FULL`, so a commit survives a crash or a power cut):

1. `begin_submit`: a row with no Slurm job id yet ("a submit may be in flight").
2. Slurm answers with a job id: `record_job` stores it, BEFORE the API is told.
3. The API accepted `mark_submitted`: `mark_reported`.

After a crash the row says where things stopped:

- no row: nothing was sent to Slurm by this journal (but see the comment tag below);
- a row without a job id: the submit may or may not have reached Slurm (a crash, a timeout, a
  lost answer). Slurm is asked whether a job tagged with this submission exists
  (`find_jobs_by_comment`) before anything is submitted again;
- a row with a job id, not reported: the job exists; the agent reports it and never submits
  again;
- reported: the active task follows the job; `last_state`/`last_reason` are what the API was
  last told, so a restart does not re-report every job.

The residual window, a crash between Slurm accepting the job and step 2, and the case where the
whole journal is lost (a new host, a wiped disk) are covered by the tag every job carries in its
Slurm `comment` (see `agent.tags`): the agent reconciles from Slurm at start-up before it
submits anything. docs/idempotency.md has the whole argument.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlmodel import Field, Session, SQLModel, create_engine, select

JOURNAL_FILENAME = "submission-journal.sqlite3"


def _now() -> datetime:
    return datetime.now(UTC)


class JournalEntry(SQLModel, table=True):
    """One Jobbergate submission that the agent sent (or may have sent) to Slurm."""

    __tablename__ = "submission_journal"

    submission_id: int = Field(primary_key=True)
    # None: a submit was started and its answer is not known (see the module docstring).
    slurm_job_id: int | None = Field(default=None, index=True)
    # The Slurm user the job runs as; needed to cancel it as its owner.
    username: str | None = None
    # The comment tag the job carries in Slurm (jobbergate:<client>:<id>).
    cluster_tag: str | None = None
    created_at: datetime = Field(default_factory=_now)
    submitted_at: datetime | None = None
    # True once the API holds the Slurm job id (mark_submitted accepted, or seen in agent/active).
    reported: bool = False
    # What the API was last told about the job.
    last_state: str | None = None
    last_reason: str | None = None
    # A 409 answered for this Slurm job id: PUTs with it are not repeated.
    conflict_job_id: int | None = None
    # A cancel was sent to Slurm for this job (the user cancelled in Jobbergate).
    cancel_sent: bool = False
    updated_at: datetime = Field(default_factory=_now)

    def seconds_since_update(self) -> float:
        updated = self.updated_at  # SQLite gives it back without its (UTC) time zone
        return (_now() - updated.replace(tzinfo=updated.tzinfo or UTC)).total_seconds()


class Journal:
    """The journal in `<CACHE_DIR>/submission-journal.sqlite3`. Every method is one short
    transaction; they are synchronous because a local SQLite commit takes milliseconds."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._engine = create_engine(
            f"sqlite:///{path}", connect_args={"check_same_thread": False, "timeout": 30}
        )
        event.listen(self._engine, "connect", _sqlite_pragmas)
        table = JournalEntry.__table__  # type: ignore[attr-defined]
        SQLModel.metadata.create_all(self._engine, tables=[table])

    @classmethod
    def in_cache_dir(cls, cache_dir: Path) -> Journal:
        return cls(cache_dir / JOURNAL_FILENAME)

    def close(self) -> None:
        self._engine.dispose()

    # --- reading -----------------------------------------------------------------------------

    def get(self, submission_id: int) -> JournalEntry | None:
        with self._session() as session:
            return session.get(JournalEntry, submission_id)

    def all(self) -> dict[int, JournalEntry]:
        with self._session() as session:
            return {e.submission_id: e for e in session.exec(select(JournalEntry)).all()}

    # --- the submission steps -----------------------------------------------------------------

    def begin_submit(self, submission_id: int, *, username: str, cluster_tag: str) -> None:
        """Step 1: a submit is about to be sent."""
        self._upsert(
            submission_id,
            slurm_job_id=None,
            username=username,
            cluster_tag=cluster_tag,
            reported=False,
        )

    def abandon_submit(self, submission_id: int) -> None:
        """Slurm refused the job: no job exists, so the row of step 1 goes away."""
        with self._session() as session:
            entry = session.get(JournalEntry, submission_id)
            if entry is not None and entry.slurm_job_id is None:
                session.delete(entry)
                session.commit()

    def record_job(
        self,
        submission_id: int,
        slurm_job_id: int,
        *,
        username: str | None,
        cluster_tag: str | None,
        reported: bool = False,
    ) -> JournalEntry:
        """Step 2: Slurm holds job `slurm_job_id` for this submission."""
        return self._upsert(
            submission_id,
            slurm_job_id=slurm_job_id,
            username=username,
            cluster_tag=cluster_tag,
            reported=reported,
            submitted_at=_now(),
        )

    def mark_reported(self, submission_id: int, *, state: str | None, reason: str | None) -> None:
        """Step 3: the API knows the job id (and was told this state)."""
        self._update(submission_id, reported=True, last_state=state, last_reason=reason)

    # --- following the job --------------------------------------------------------------------

    def track(self, submission_id: int, slurm_job_id: int) -> JournalEntry:
        """A job the API lists as active: make sure it has a row (the journal may be new)."""
        with self._session() as session:
            entry = session.get(JournalEntry, submission_id)
            if entry is None:
                entry = JournalEntry(
                    submission_id=submission_id, slurm_job_id=slurm_job_id, reported=True
                )
            elif entry.slurm_job_id is None or not entry.reported:
                entry.slurm_job_id = slurm_job_id
                entry.reported = True
                entry.updated_at = _now()
            else:
                return entry
            session.add(entry)
            session.commit()
            session.refresh(entry)
            return entry

    def record_state(self, submission_id: int, *, state: str, reason: str | None) -> None:
        """The API accepted this state and reason for the job."""
        self._update(submission_id, last_state=state, last_reason=reason, conflict_job_id=None)

    def record_conflict(self, submission_id: int, slurm_job_id: int) -> None:
        self._update(submission_id, conflict_job_id=slurm_job_id)

    def record_cancel_sent(self, submission_id: int, username: str | None = None) -> None:
        changes: dict[str, Any] = {"cancel_sent": True}
        if username:
            changes["username"] = username
        self._update(submission_id, **changes)

    def drop(self, submission_id: int) -> None:
        with self._session() as session:
            entry = session.get(JournalEntry, submission_id)
            if entry is not None:
                session.delete(entry)
                session.commit()

    def prune(
        self, keep: Iterable[int], *, settled_states: frozenset[str], older_than: datetime
    ) -> list[int]:
        """Forget reported submissions that reached a settled state and that the API no longer
        lists as active (DONE, ABORTED or gone): nothing about them can change any more.
        Rows touched since `older_than` are kept (the list may predate them)."""
        keep = set(keep)
        dropped = []
        with self._session() as session:
            for entry in session.exec(select(JournalEntry)).all():
                updated = entry.updated_at.replace(tzinfo=entry.updated_at.tzinfo or UTC)
                if (
                    entry.submission_id not in keep
                    and entry.reported
                    and entry.last_state in settled_states
                    and updated < older_than
                ):
                    session.delete(entry)
                    dropped.append(entry.submission_id)
            session.commit()
        return dropped

    # --- plumbing ---------------------------------------------------------------------------

    def _session(self) -> Session:
        return Session(self._engine, expire_on_commit=False)

    def _upsert(self, submission_id: int, **values: Any) -> JournalEntry:
        with self._session() as session:
            entry = session.get(JournalEntry, submission_id) or JournalEntry(
                submission_id=submission_id
            )
            for name, value in values.items():
                setattr(entry, name, value)
            entry.updated_at = _now()
            session.add(entry)
            session.commit()
            session.refresh(entry)
            return entry

    def _update(self, submission_id: int, **values: Any) -> None:
        with self._session() as session:
            entry = session.get(JournalEntry, submission_id)
            if entry is None:
                return
            for name, value in values.items():
                setattr(entry, name, value)
            entry.updated_at = _now()
            session.add(entry)
            session.commit()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers and the writer not block each other; FULL makes each commit durable
    # before the call returns, which the journal's promise depends on.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
