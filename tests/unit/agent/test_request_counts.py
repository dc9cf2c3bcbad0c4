"""How many requests each task makes per cycle (the figures in docs/loop.md)."""

from __future__ import annotations

import math

from jobbergate_agent.agent.active import ActiveTask
from jobbergate_agent.agent.components import Translator
from jobbergate_agent.agent.loop import HeartbeatTask
from jobbergate_agent.agent.minimal_builder import BuiltJob
from jobbergate_agent.agent.pending import PendingTask
from jobbergate_agent.slurm.types import JobDescription
from tests.unit.agent.conftest import MINIMAL, add_submission

N = 120  # more than one page of 100


def api_requests(mock, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for method, path in mock.requests[since:]:
        if not path.startswith("/jobbergate/"):
            continue  # the OIDC token, fetched once per token lifetime
        if method == "PUT" and "/agent/" in path:
            path = path.rsplit("/", 1)[0]  # one key for PUT agent/{id}
        key = f"{method} {path}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def build_with_files(entrypoint_name, entrypoint, **kwargs):
    return BuiltJob(job=JobDescription(script=entrypoint.decode(), name=kwargs["job_name"]))


async def test_requests_per_cycle(mock, slurm, make_ctx):
    translator = Translator(
        build_job=build_with_files,
        error=MINIMAL.error,
        describe_unsupported=MINIMAL.describe_unsupported,
        source="test",
    )
    ctx = make_ctx(translator=translator)
    ids = [add_submission(mock, f"j{i}", files={"in.txt": "x", "more.txt": "y"}) for i in range(N)]
    pages = math.ceil(N / ctx.settings.ITEMS_PER_PAGE)

    # pending, N submissions with 2 support files each
    mark = len(mock.requests)
    assert (await PendingTask(ctx).run()).counts["submitted"] == N
    api = api_requests(mock, mark)
    assert api["GET /jobbergate/job-submissions/agent/pending"] == pages
    assert sum(v for k, v in api.items() if "/upload/" in k) == 3 * N
    assert api["POST /jobbergate/job-submissions/agent/submitted"] == N
    assert dict(slurm.calls) == {
        "negotiate": 1,
        "find_jobs_by_comment": 1,
        "render_submission": N,
        "submit": N,
        "get_job": N,
    }

    # active, nothing changed since mark_submitted
    slurm.calls.clear()
    mark = len(mock.requests)
    assert (await ActiveTask(ctx).run()).counts["unchanged"] == N
    assert api_requests(mock, mark) == {"GET /jobbergate/job-submissions/agent/active": pages}
    assert dict(slurm.calls) == {"get_job_states": 1}

    # active, K of N changed
    k = 10
    for sid in ids[:k]:
        slurm.set_state(mock.submissions[sid].slurm_job_id, "RUNNING", "None")
    slurm.calls.clear()
    mark = len(mock.requests)
    assert (await ActiveTask(ctx).run()).counts["updated"] == k
    api = api_requests(mock, mark)
    assert api == {
        "GET /jobbergate/job-submissions/agent/active": pages,
        "PUT /jobbergate/job-submissions/agent": k,
    }
    assert dict(slurm.calls) == {"get_job_states": 1, "get_job": k}

    # heartbeat
    mark = len(mock.requests)
    await HeartbeatTask(ctx).run()
    assert api_requests(mock, mark) == {"PUT /jobbergate/clusters/status": 1}
