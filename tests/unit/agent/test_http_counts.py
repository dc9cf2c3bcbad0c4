"""HTTP requests per cycle with the real clients on both sides: the Jobbergate client against
the mock API, the slurmrestd client against the mock slurmrestd of each Slurm generation."""

from __future__ import annotations

import math
import time

import pytest

from jobbergate_agent.agent.active import ActiveTask
from jobbergate_agent.agent.context import AgentContext
from jobbergate_agent.agent.journal import Journal
from jobbergate_agent.agent.pending import PendingTask
from jobbergate_agent.devstack.mock_slurmrestd import MockSlurmrestd
from jobbergate_agent.slurm.factory import build_slurm_client
from tests.unit.agent.conftest import MINIMAL, add_submission

KEY = b"k" * 32
N = 30


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("profile", ["22.05", "24.11", "26.05"])
async def test_slurmrestd_requests_per_cycle(mock, make_ctx, settings, tmp_path, profile):
    clock = Clock()
    slurmrestd = MockSlurmrestd(
        KEY, profile, clock=clock, pending_seconds=10, run_seconds=100, min_job_age=1000
    )
    key = tmp_path / "jwt.key"
    key.write_bytes(KEY)
    key.chmod(0o600)
    used = settings.model_copy(update={"SLURMRESTD_JWT_KEY_PATH": key, "ITEMS_PER_PAGE": 100})
    slurm = build_slurm_client(used, transport=slurmrestd.transport())
    base = make_ctx(settings_=used)
    ctx = AgentContext(
        used,
        jobbergate=base.jobbergate,
        slurm=slurm,
        mapper=base.mapper,
        journal=Journal.in_cache_dir(tmp_path / "j"),
        translator=MINIMAL,
    )
    try:
        ids = [add_submission(mock, f"j{i}") for i in range(N)]
        counts = {}
        pending = await PendingTask(ctx).run()
        counts["first pending run"] = slurmrestd.requests
        assert pending.counts["submitted"] == N, pending.summary()
        assert all(mock.submissions[i].status == "SUBMITTED" for i in ids)

        start = slurmrestd.requests
        first = await ActiveTask(ctx).run()
        counts["first active run"] = slurmrestd.requests - start
        start = slurmrestd.requests
        quiet = await ActiveTask(ctx).run()
        counts["quiet"] = slurmrestd.requests - start
        clock.now += 20  # every job starts running
        start = slurmrestd.requests
        changed = await ActiveTask(ctx).run()
        counts["all changed"] = slurmrestd.requests - start
    finally:
        await slurm.aclose()
        ctx.journal.close()
        slurmrestd.close()

    assert first.ok and quiet.ok and changed.ok
    assert quiet.counts["unchanged"] == N and changed.counts["updated"] == N
    assert all(mock.submissions[i].slurm_job_state == "RUNNING" for i in ids)
    # One state query per cycle whatever N is, plus one record per changed job.
    assert counts["quiet"] == 1, counts
    assert counts["first active run"] == 1, counts  # nothing changed since mark_submitted
    assert counts["all changed"] == 1 + N, counts
    # negotiation probes and the reconciliation listing, then per submission: the submit and
    # the client's read-back (is the job really its user's?), whose record goes to
    # mark_submitted
    assert 2 * N <= counts["first pending run"] <= 2 * N + 10, counts
    print(f"\n{profile}: {counts} for N={N}; API pages per list: {math.ceil(N / 100)}")
