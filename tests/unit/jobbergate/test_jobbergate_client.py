"""The Jobbergate client against respx: pages, request bodies, downloads, errors, retries."""

from __future__ import annotations

import json

import httpx
import pytest

from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.jobbergate.errors import (
    JobbergateBadRequest,
    JobbergateConflict,
    JobbergateError,
    JobbergateForbidden,
    JobbergateInvalidResponse,
    JobbergateNotFound,
    JobbergateUnavailable,
    JobbergateValidationError,
)
from jobbergate_agent.settings import ConfigurationError

API = "https://jobbergate.test"
PENDING = API + "/jobbergate/job-submissions/agent/pending"
ACTIVE = API + "/jobbergate/job-submissions/agent/active"
SUBMITTED = API + "/jobbergate/job-submissions/agent/submitted"
REJECTED = API + "/jobbergate/job-submissions/agent/rejected"


def pending_item(item_id: int, **changes) -> dict:
    item = {
        "id": item_id,
        "name": f"sub-{item_id}",
        "owner_email": "alice@example.com",
        "execution_directory": "/home/alice/runs",
        "sbatch_arguments": ["--mem=10M"],
        "execution_parameters": {},
        "job_script": {
            "id": 100 + item_id,
            "name": "js",
            "owner_email": "alice@example.com",
            "created_at": "2023-08-18T13:55:37Z",
            "files": [
                {"parent_id": 100 + item_id, "filename": "job.sh", "file_type": "ENTRYPOINT"},
                {"parent_id": 100 + item_id, "filename": "in.txt", "file_type": "SUPPORT"},
            ],
        },
    }
    item.update(changes)
    return item


def page_of(items: list, page: int, size: int, total: int) -> httpx.Response:
    pages = -(-total // size)
    return httpx.Response(
        200, json={"items": items, "total": total, "page": page, "size": size, "pages": pages}
    )


def paged(all_items: list):
    """A side effect serving `all_items` in pages, as fastapi-pagination does."""

    def serve(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        size = int(request.url.params["size"])
        chunk = all_items[(page - 1) * size : page * size]
        return page_of(chunk, page, size, len(all_items))

    return serve


# --- pages -----------------------------------------------------------------------------------


async def test_pending_reads_every_page(client, router, token_route):
    route = router.get(PENDING).mock(side_effect=paged([pending_item(i) for i in range(1, 6)]))
    pending = await client.pending_submissions()

    assert [p.id for p in pending] == [1, 2, 3, 4, 5]
    assert [(c.request.url.params["page"], c.request.url.params["size"]) for c in route.calls] == [
        ("1", "2"), ("2", "2"), ("3", "2")
    ]  # fmt: skip


async def test_pending_stops_at_the_page_cap(client, router, token_route, logs):
    route = router.get(PENDING).mock(side_effect=paged([pending_item(i) for i in range(1, 11)]))
    pending = await client.pending_submissions()

    assert [p.id for p in pending] == [1, 2, 3, 4, 5, 6]  # MAX_PAGES_PER_CYCLE=3, size 2
    assert route.call_count == 3
    assert any("MAX_PAGES_PER_CYCLE=3" in m and "10 in all" in m for m in logs)


async def test_pending_empty(client, router, token_route):
    route = router.get(PENDING).respond(
        200, json={"items": [], "total": 0, "page": 1, "size": 2, "pages": 0}
    )
    assert await client.pending_submissions() == []
    assert route.call_count == 1


async def test_pending_fields_are_parsed_leniently(client, router, token_route):
    minimal = {
        "id": 7,
        "name": "minimal",
        "owner_email": "bob@example.com",
        "job_script": {"id": 9, "name": "js", "files": [
            {"parent_id": 9, "filename": "run.sh", "file_type": "ENTRYPOINT", "extra": 1},
            {"parent_id": 9, "filename": "data/x.bin", "file_type": "SUPPORT"},
        ]},
        "some_future_field": {"x": 1},
    }  # fmt: skip
    router.get(PENDING).mock(return_value=page_of([minimal], 1, 2, 1))
    [item] = await client.pending_submissions()

    assert item.execution_directory is None
    assert item.sbatch_arguments == []
    assert item.execution_parameters == {}
    assert item.entrypoint is not None and item.entrypoint.filename == "run.sh"
    assert [f.filename for f in item.support_files] == ["data/x.bin"]


async def test_invalid_item_is_logged_and_skipped(client, router, token_route, logs):
    broken = pending_item(2)
    del broken["job_script"]
    router.get(PENDING).mock(side_effect=paged([pending_item(1), broken, pending_item(3)]))
    pending = await client.pending_submissions()

    assert [p.id for p in pending] == [1, 3]
    assert any("id=2" in m and "job_script" in m for m in logs)


async def test_rows_seen_on_two_pages_are_kept_once(client, router, token_route):
    # The API pages without ORDER BY: a row may move between pages.
    router.get(PENDING).mock(
        side_effect=[
            page_of([pending_item(1), pending_item(2)], 1, 2, 4),
            page_of([pending_item(2), pending_item(3)], 2, 2, 4),
        ]
    )
    assert [p.id for p in await client.pending_submissions()] == [1, 2, 3]


async def test_page_without_pages_field_stops_on_a_short_page(client, router, token_route):
    route = router.get(PENDING).mock(
        side_effect=[
            httpx.Response(200, json={"items": [pending_item(1), pending_item(2)]}),
            httpx.Response(200, json={"items": [pending_item(3)]}),
        ]
    )
    assert [p.id for p in await client.pending_submissions()] == [1, 2, 3]
    assert route.call_count == 2


async def test_active_submissions(client, router, token_route):
    router.get(ACTIVE).mock(
        side_effect=paged(
            [
                {"id": 1, "name": "a", "status": "SUBMITTED", "slurm_job_id": 11},
                {"id": 2, "name": "b", "status": "CANCELLED", "slurm_job_id": None},
                {"id": 3, "name": "c", "status": "CANCELLED"},
            ]
        )
    )
    active = await client.active_submissions()
    assert [(a.id, a.status, a.slurm_job_id) for a in active] == [
        (1, "SUBMITTED", 11), (2, "CANCELLED", None), (3, "CANCELLED", None)
    ]  # fmt: skip


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>gateway</html>"),
        httpx.Response(200, json=["not", "a", "page"]),
        httpx.Response(200, json={"items": "nope"}),
    ],
    ids=["html", "list", "bad-items"],
)
async def test_unparseable_page_is_invalid_response(client, router, token_route, answer):
    router.get(PENDING).mock(return_value=answer)
    with pytest.raises(JobbergateInvalidResponse) as caught:
        await client.pending_submissions()
    assert "GET /jobbergate/job-submissions/agent/pending" in str(caught.value)
    assert not caught.value.transient


# --- request bodies --------------------------------------------------------------------------


async def test_mark_submitted_body(client, router, token_route):
    route = router.post(SUBMITTED).respond(202)
    await client.mark_submitted(
        4,
        slurm_job_id=77,
        slurm_job_state="PENDING",
        slurm_job_info='{"job_id": 77}',
        slurm_job_state_reason=None,
    )
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {
        "id": 4, "slurm_job_id": 77, "slurm_job_state": "PENDING",
        "slurm_job_info": '{"job_id": 77}', "slurm_job_state_reason": None,
    }  # fmt: skip


async def test_mark_rejected_body(client, router, token_route):
    route = router.post(REJECTED).respond(202)
    await client.mark_rejected(5, "unsupported #SBATCH option --wait on line 3; remove it")
    assert json.loads(route.calls.last.request.content) == {
        "id": 5, "report_message": "unsupported #SBATCH option --wait on line 3; remove it"
    }  # fmt: skip


async def test_update_submission_body(client, router, token_route):
    route = router.put(API + "/jobbergate/job-submissions/agent/6").respond(202)
    await client.update_submission(
        6,
        slurm_job_id=None,
        slurm_job_state="CANCELLED",
        slurm_job_info="{}",
        slurm_job_state_reason="cancelled by the user before it reached Slurm",
    )
    assert json.loads(route.calls.last.request.content) == {
        "slurm_job_id": None, "slurm_job_state": "CANCELLED", "slurm_job_info": "{}",
        "slurm_job_state_reason": "cancelled by the user before it reached Slurm",
    }  # fmt: skip


async def test_report_status_query(client, router, token_route):
    route = router.put(API + "/jobbergate/clusters/status").respond(202)
    await client.report_status(120)
    request = route.calls.last.request
    assert dict(request.url.params) == {"interval": "120"}
    assert request.content == b""


# --- downloads -------------------------------------------------------------------------------


async def test_download_returns_raw_bytes(client, router, token_route):
    content = bytes(range(256))
    route = router.get(API + "/jobbergate/job-scripts/12/upload/blob.bin").respond(
        200, content=content, headers={"content-type": "text/plain", "filename": "blob.bin"}
    )
    assert await client.download_file(12, "blob.bin") == content
    assert route.calls.last.request.headers["authorization"].startswith("Bearer ")


async def test_download_quotes_the_filename_but_keeps_slashes(client, router, token_route):
    route = router.get(url__startswith=API + "/jobbergate/job-scripts/3/upload/").respond(
        200, content=b"x"
    )
    await client.download_file(3, "data dir/in put#1?.txt")
    assert route.calls.last.request.url.raw_path == (
        b"/jobbergate/job-scripts/3/upload/data%20dir/in%20put%231%3F.txt"
    )


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "detail", "error_class"),
    [
        (400, "Only CREATED Job Submissions can be marked as SUBMITTED", JobbergateBadRequest),
        (403, "Mismatch on attribute(s): client_id", JobbergateForbidden),
        (404, "JobSubmission with id=4 not found.", JobbergateNotFound),
        (409, "slurm_job_id mismatch", JobbergateConflict),
        (422, "Validation error for request to x: slurm_job_state", JobbergateValidationError),
        (418, "teapot", JobbergateError),
    ],
)
async def test_error_status_maps_to_its_class(
    client, router, token_route, status, detail, error_class
):
    route = router.post(SUBMITTED).respond(status, json={"detail": detail})
    with pytest.raises(JobbergateError) as caught:
        await client.mark_submitted(
            4,
            slurm_job_id=1,
            slurm_job_state="RUNNING",
            slurm_job_info="{}",
            slurm_job_state_reason=None,
        )
    error = caught.value
    assert type(error) is error_class
    assert error.status == status
    assert error.detail == detail
    assert not error.transient
    assert "POST /jobbergate/job-submissions/agent/submitted" in str(error)
    assert str(status) in str(error) and detail in str(error)
    assert route.call_count == 1


async def test_fastapi_list_detail_is_flattened(client, router, token_route):
    router.put(API + "/jobbergate/job-submissions/agent/1").respond(
        422,
        json={"detail": [{"loc": ["body", "slurm_job_state"], "msg": "Input should be 'X'"}]},
    )
    with pytest.raises(JobbergateValidationError, match=r"body\.slurm_job_state: Input should"):
        await client.update_submission(
            1,
            slurm_job_id=1,
            slurm_job_state="BOGUS",
            slurm_job_info="{}",
            slurm_job_state_reason=None,
        )


async def test_get_retries_5xx_then_succeeds(client, router, token_route):
    route = router.get(ACTIVE).mock(
        side_effect=[
            httpx.Response(502, text="bad gateway"),
            httpx.ConnectError("reset"),
            page_of([{"id": 1, "name": "a", "status": "SUBMITTED", "slurm_job_id": 3}], 1, 2, 1),
        ]
    )
    assert [a.id for a in await client.active_submissions()] == [1]
    assert route.call_count == 3


async def test_get_gives_up_after_the_retries(client, router, token_route):
    route = router.get(ACTIVE).respond(503, json={"detail": "Service Unavailable"})
    with pytest.raises(JobbergateUnavailable) as caught:
        await client.active_submissions()
    assert route.call_count == 3  # one try and two retries
    assert caught.value.transient
    assert caught.value.status == 503
    assert "Service Unavailable" in str(caught.value)


async def test_get_connection_error_is_unavailable(client, router, token_route):
    route = router.get(PENDING).mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(JobbergateUnavailable) as caught:
        await client.pending_submissions()
    assert route.call_count == 3
    assert "BASE_API_URL" in str(caught.value)
    assert caught.value.status is None


async def test_get_timeout_is_unavailable(client, router, token_route):
    router.get(API + "/jobbergate/job-scripts/1/upload/job.sh").mock(
        side_effect=httpx.ReadTimeout("slow")
    )
    with pytest.raises(JobbergateUnavailable, match="timed out after 2s"):
        await client.download_file(1, "job.sh")


@pytest.mark.parametrize(
    "failure",
    [httpx.Response(500, text="boom"), httpx.ConnectError("refused"), httpx.ReadTimeout("slow")],
    ids=["500", "connect", "timeout"],
)
async def test_post_is_never_retried(client, router, token_route, failure):
    route = router.post(SUBMITTED).mock(side_effect=[failure, httpx.Response(202)])
    with pytest.raises(JobbergateUnavailable) as caught:
        await client.mark_submitted(
            4,
            slurm_job_id=1,
            slurm_job_state="PENDING",
            slurm_job_info="{}",
            slurm_job_state_reason=None,
        )
    assert route.call_count == 1
    assert caught.value.transient


async def test_put_is_never_retried(client, router, token_route):
    route = router.put(API + "/jobbergate/job-submissions/agent/9").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(202)]
    )
    with pytest.raises(JobbergateUnavailable):
        await client.update_submission(
            9,
            slurm_job_id=1,
            slurm_job_state="RUNNING",
            slurm_job_info="{}",
            slurm_job_state_reason=None,
        )
    assert route.call_count == 1


async def test_every_request_has_a_timeout(settings, router, token_route):
    seen: list[dict] = []

    def capture(request: httpx.Request) -> httpx.Response:
        seen.append(request.extensions["timeout"])
        return httpx.Response(202)

    router.put(API + "/jobbergate/clusters/status").mock(side_effect=capture)
    async with JobbergateClient(settings) as jg:
        await jg.report_status(60)
    assert seen and all(value == 2.0 for value in seen[0].values())
    assert all(v == 2.0 for v in token_route.calls.last.request.extensions["timeout"].values())


async def test_redirect_is_not_followed_and_says_where(client, router, token_route):
    router.get(ACTIVE).respond(307, headers={"location": "https://api.example.com/x"})
    with pytest.raises(JobbergateError) as caught:
        await client.active_submissions()
    assert caught.value.status == 307
    assert "https://api.example.com/x" in str(caught.value)
    assert "BASE_API_URL" in str(caught.value)


def test_base_url_without_scheme_is_a_configuration_error(settings):
    settings = settings.model_copy(update={"BASE_API_URL": "jobbergate.test"})
    with pytest.raises(ConfigurationError, match="JOBBERGATE_AGENT_BASE_API_URL: must start"):
        JobbergateClient(settings)


async def test_html_error_page_is_summarised(client, router, token_route):
    router.get(ACTIVE).respond(
        404, text="<html>\n  <body>\n    <h1>Not   Found</h1>\n  </body>\n</html>\n" + "x" * 500
    )
    with pytest.raises(JobbergateNotFound) as caught:
        await client.active_submissions()
    assert "<html> <body> <h1>Not Found</h1>" in str(caught.value)
    assert "\n" not in str(caught.value)
    assert len(str(caught.value)) < 300


async def test_get_retries_back_off(settings, router, token_route, monkeypatch):
    from jobbergate_agent.jobbergate import client as client_module

    delays: list[float] = []

    async def no_sleep(delay: float) -> None:
        delays.append(delay)

    monkeypatch.setattr(client_module, "_sleep", no_sleep)  # not asyncio.sleep: other loops use it
    router.get(ACTIVE).respond(500)
    async with JobbergateClient(settings, retry_backoff=0.5) as jg:
        with pytest.raises(JobbergateUnavailable):
            await jg.active_submissions()
    assert len(delays) == 2
    assert 0.5 <= delays[0] <= 0.75 and 1.0 <= delays[1] <= 1.5
