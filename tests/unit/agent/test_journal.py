"""The journal on real SQLite: WAL, durable steps, survives a killed process, pruning."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobbergate_agent.agent.journal import JOURNAL_FILENAME, Journal

ROOT = Path(__file__).resolve().parents[3]


def test_steps_are_written_and_read_back(tmp_path):
    journal = Journal.in_cache_dir(tmp_path)
    journal.begin_submit(7, username="alice", cluster_tag="jobbergate:c:7")
    entry = journal.get(7)
    assert entry.slurm_job_id is None and entry.username == "alice" and not entry.reported

    journal.record_job(7, 1234, username="alice", cluster_tag="jobbergate:c:7")
    journal.mark_reported(7, state="PENDING", reason=None)
    journal.close()

    reopened = Journal.in_cache_dir(tmp_path)
    entry = reopened.get(7)
    assert (entry.slurm_job_id, entry.reported, entry.last_state) == (1234, True, "PENDING")
    assert entry.submitted_at is not None
    reopened.close()


def test_journal_uses_wal_and_full_sync(tmp_path):
    journal = Journal.in_cache_dir(tmp_path)
    journal.begin_submit(1, username="u", cluster_tag="t")
    with journal._engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
    journal.close()


def test_abandon_only_removes_a_row_without_a_job(tmp_path):
    journal = Journal.in_cache_dir(tmp_path)
    journal.begin_submit(1, username="u", cluster_tag="t")
    journal.record_job(2, 99, username="u", cluster_tag="t")
    journal.abandon_submit(1)
    journal.abandon_submit(2)
    assert journal.get(1) is None and journal.get(2).slurm_job_id == 99


def test_a_killed_process_keeps_what_it_committed(tmp_path):
    code = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(ROOT)!r})
        from pathlib import Path
        from jobbergate_agent.agent.journal import Journal
        journal = Journal.in_cache_dir(Path({str(tmp_path)!r}))
        journal.record_job(5, 4242, username="bob", cluster_tag="jobbergate:c:5")
        os._exit(9)  # no close, no flush: as if the host lost power after the commit
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 9, result.stderr
    rows = (
        sqlite3.connect(tmp_path / JOURNAL_FILENAME)
        .execute("SELECT submission_id, slurm_job_id, username, reported FROM submission_journal")
        .fetchall()
    )
    assert rows == [(5, 4242, "bob", 0)]


def test_track_creates_rows_for_jobs_the_api_lists(tmp_path):
    journal = Journal.in_cache_dir(tmp_path)
    entry = journal.track(3, 300)
    assert entry.reported and entry.slurm_job_id == 300 and entry.username is None
    journal.record_job(4, 400, username="alice", cluster_tag="t")
    assert journal.track(4, 400).reported
    assert journal.get(4).username == "alice"


def test_prune_forgets_only_settled_reported_rows_not_listed(tmp_path):
    journal = Journal.in_cache_dir(tmp_path)
    for sid, state in ((1, "COMPLETED"), (2, "RUNNING"), (3, "FAILED")):
        journal.record_job(sid, 100 + sid, username="u", cluster_tag="t", reported=True)
        journal.record_state(sid, state=state, reason=None)
    journal.record_job(4, 104, username="u", cluster_tag="t")  # not reported yet
    later = datetime.now(UTC) + timedelta(seconds=1)

    dropped = journal.prune(
        [3], settled_states=frozenset({"COMPLETED", "FAILED"}), older_than=later
    )
    assert dropped == [1]
    assert sorted(journal.all()) == [2, 3, 4]
    # rows touched after the list was read are kept
    journal.record_state(2, state="COMPLETED", reason=None)
    earlier = datetime.now(UTC) - timedelta(seconds=5)
    assert journal.prune([], settled_states=frozenset({"COMPLETED"}), older_than=earlier) == []


def test_conflict_and_cancel_flags(tmp_path):
    journal = Journal.in_cache_dir(tmp_path)
    journal.record_job(1, 10, username=None, cluster_tag="t", reported=True)
    journal.record_conflict(1, 10)
    journal.record_cancel_sent(1, "carol")
    entry = journal.get(1)
    assert entry.conflict_job_id == 10 and entry.cancel_sent and entry.username == "carol"
    journal.record_state(1, state="RUNNING", reason=None)
    assert journal.get(1).conflict_job_id is None  # an accepted PUT clears the conflict
