"""The mock Jobbergate API, driven by the real client through httpx.ASGITransport.

These prove the mock answers as JOBBERGATE-API.md says the real server does, so the agent's
end-to-end tests against it mean something.
"""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jwt
import pytest

from jobbergate_agent.devstack.mock_jobbergate import (
    AGENT_PERMISSIONS,
    CLUSTERS_UPDATE,
    MockJobbergate,
)
from jobbergate_agent.devstack.seed import BINARY_CONTENT, seed
from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.jobbergate.errors import (
    JobbergateAuthError,
    JobbergateBadRequest,
    JobbergateConflict,
    JobbergateForbidden,
    JobbergateNotFound,
    JobbergateUnavailable,
    JobbergateValidationError,
)
from jobbergate_agent.settings import Settings

CLIENT_ID = "cluster-a"
SECRET = "mock-secret-a"
API = "http://jobbergate.test"


def make_settings(cache_dir: Path, **changes) -> Settings:
    values = {
        "BASE_API_URL": API,
        "OIDC_DOMAIN": "auth.test/realms/jobbergate-local",
        "OIDC_USE_HTTPS": False,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": SECRET,
        "CACHE_DIR": cache_dir,
        "ITEMS_PER_PAGE": 2,
        "MAX_PAGES_PER_CYCLE": 10,
        **changes,
    }
    return Settings(**values)


@pytest.fixture
def mock() -> MockJobbergate:
    jg = MockJobbergate(client_id=CLIENT_ID, client_secret=SECRET)
    jg.add_client("cluster-b", "mock-secret-b")
    return jg


@pytest.fixture
def ids(mock: MockJobbergate) -> dict[str, int]:
    return seed(mock)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "cache")


@pytest.fixture
async def client(mock: MockJobbergate, settings: Settings) -> AsyncIterator[JobbergateClient]:
    jg = JobbergateClient(settings, transport=httpx.ASGITransport(app=mock.app), retry_backoff=0)
    yield jg
    await jg.aclose()


@pytest.fixture
async def raw(mock: MockJobbergate) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP to the mock, for requests the real client would never send."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mock.app), base_url=API) as c:
        yield c


def auth(mock: MockJobbergate, client_id: str = CLIENT_ID, **kwargs) -> dict[str, str]:
    return {"authorization": f"Bearer {mock.issue_token(client_id, **kwargs)}"}


async def submit(client: JobbergateClient, submission_id: int, slurm_job_id: int = 100) -> None:
    await client.mark_submitted(
        submission_id, slurm_job_id=slurm_job_id, slurm_job_state="PENDING",
        slurm_job_info=json.dumps({"job_id": slurm_job_id}), slurm_job_state_reason=None,
    )  # fmt: skip


async def update(client: JobbergateClient, submission_id: int, state: str, **kwargs) -> None:
    await client.update_submission(
        submission_id, slurm_job_id=kwargs.get("slurm_job_id", 100), slurm_job_state=state,
        slurm_job_info="{}", slurm_job_state_reason=kwargs.get("reason"),
    )  # fmt: skip


# --- tokens and permissions --------------------------------------------------------------------


async def test_token_claims(client, mock):
    claims = await client.check_token()
    assert claims["azp"] == CLIENT_ID
    assert set(claims["permissions"]) == set(AGENT_PERMISSIONS)
    assert claims["exp"] - claims["iat"] == mock.token_lifetime
    header = jwt.get_unverified_header(await client.tokens.get())
    assert header["alg"] == "RS256"


async def test_token_signature_checks_out_against_the_jwks(client, mock, raw):
    token = await client.tokens.get()
    jwks = (await raw.get("/realms/jobbergate-local/protocol/openid-connect/certs")).json()
    key = jwt.PyJWK(jwks["keys"][0])
    claims = jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False})
    assert claims["azp"] == CLIENT_ID


async def test_wrong_secret(mock, tmp_path):
    settings = make_settings(tmp_path, OIDC_CLIENT_SECRET="wrong")
    async with JobbergateClient(settings, transport=httpx.ASGITransport(app=mock.app)) as jg:
        with pytest.raises(JobbergateAuthError, match=r"invalid_client.*OIDC_CLIENT_SECRET"):
            await jg.pending_submissions()


async def test_wrong_secret_raw_answer(raw):
    answer = await raw.post(
        "/realms/jobbergate-local/protocol/openid-connect/token",
        data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": "x"},
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize(
    "headers",
    [{}, {"authorization": "Bearer not-a-jwt"}, {"authorization": "Basic abc"}],
    ids=["none", "garbage", "basic"],
)
async def test_no_or_bad_token_is_401(raw, headers):
    answer = await raw.get("/jobbergate/job-submissions/agent/pending", headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "Not authenticated"}


async def test_expired_token_is_401(raw, mock):
    answer = await raw.get(
        "/jobbergate/job-submissions/agent/active", headers=auth(mock, lifetime=-10)
    )
    assert answer.status_code == 401


async def test_token_of_another_issuer_is_refetched_once(mock, settings, ids):
    # A cached token the API no longer accepts (key rotated, revoked): 401, new token, retry.
    forged = jwt.encode({"azp": CLIENT_ID, "sub": "x", "exp": 4102444800}, "k" * 32, "HS256")
    settings.CACHE_DIR.mkdir(parents=True)
    async with JobbergateClient(settings, transport=httpx.ASGITransport(app=mock.app)) as jg:
        cache = jg.tokens.cache_path
        cache.write_text(
            json.dumps(
                {
                    "token_url": jg.tokens.token_url,
                    "client_id": CLIENT_ID,
                    "access_token": forged,
                    "expires_at": None,
                }
            )
        )
        pending = await jg.pending_submissions()
    assert len(pending) == 5
    assert mock.tokens_issued == 1
    assert json.loads(cache.read_text())["access_token"] != forged


async def test_missing_permission_is_403(mock, tmp_path):
    mock.add_client(
        "no-heartbeat", "s", tuple(p for p in AGENT_PERMISSIONS if p != CLUSTERS_UPDATE)
    )
    settings = make_settings(tmp_path, OIDC_CLIENT_ID="no-heartbeat", OIDC_CLIENT_SECRET="s")
    async with JobbergateClient(settings, transport=httpx.ASGITransport(app=mock.app)) as jg:
        assert await jg.active_submissions() == []
        with pytest.raises(JobbergateForbidden, match="Not authorized") as caught:
            await jg.report_status(60)
    assert caught.value.status == 403


async def test_admin_permission_does_not_cover_cluster_status(raw, mock):
    headers = auth(mock, permissions=["jobbergate:admin"])
    assert (await raw.get("/jobbergate/job-submissions/agent/active", headers=headers)
            ).status_code == 200  # fmt: skip
    answer = await raw.put("/jobbergate/clusters/status?interval=60", headers=headers)
    assert answer.status_code == 403


async def test_token_without_client_id_is_400(raw, mock):
    token = mock.issue_token(CLIENT_ID)
    claims = jwt.decode(token, options={"verify_signature": False})
    del claims["azp"]
    unsigned = jwt.encode(claims, mock._key, algorithm="RS256")
    answer = await raw.get(
        "/jobbergate/job-submissions/agent/pending", headers={"authorization": f"Bearer {unsigned}"}
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == "Access token does not contain client_id"


# --- pages and pending -------------------------------------------------------------------------


async def test_pending_lists_created_rows_of_this_cluster(client, mock, ids):
    other = mock.add_submission(
        mock.submissions[ids["hello"]].job_script_id, "theirs", client_id="cluster-b"
    )
    pending = await client.pending_submissions()
    names = [p.name for p in pending]
    assert names == ["hello", "support-files", "sweep-17", "must-reject", "exits-non-zero"]
    assert other not in [p.id for p in pending]
    support = next(p for p in pending if p.name == "support-files")
    assert support.entrypoint is not None and support.entrypoint.filename == "job.sh"
    assert sorted(f.filename for f in support.support_files) == [
        "blob.bin", "data/params.json", "input.txt"
    ]  # fmt: skip
    sweep = next(p for p in pending if p.name == "sweep-17")
    assert sweep.execution_directory == "/tmp"
    assert sweep.sbatch_arguments == ["--mem=10M", "--time=5", "--job-name=sweep-17"]


async def test_unset_fields_are_absent_not_null(raw, mock, ids):
    answer = await raw.get("/jobbergate/job-submissions/agent/pending?size=100", headers=auth(mock))
    hello = next(i for i in answer.json()["items"] if i["name"] == "hello")
    assert "execution_directory" not in hello
    assert hello["execution_parameters"] == {}


async def test_page_envelope_and_limits(raw, mock, ids):
    headers = auth(mock)
    page = (await raw.get("/jobbergate/job-submissions/agent/pending?page=2&size=2",
                          headers=headers)).json()  # fmt: skip
    assert {k: page[k] for k in ("total", "page", "size", "pages")} == {
        "total": 5, "page": 2, "size": 2, "pages": 3
    }  # fmt: skip
    assert len(page["items"]) == 2
    default = (await raw.get("/jobbergate/job-submissions/agent/pending", headers=headers)).json()
    assert default["size"] == 50
    for query in ("size=101", "size=0", "page=0", "page=x"):
        answer = await raw.get(
            f"/jobbergate/job-submissions/agent/pending?{query}", headers=headers
        )
        assert answer.status_code == 422, query
        assert answer.json()["detail"].startswith("Validation error for request to ")


async def test_client_reads_all_pages_of_the_mock(client, mock, ids):
    # ITEMS_PER_PAGE=2: five pending rows take three pages.
    assert len(await client.pending_submissions()) == 5
    pages = [p for m, p in mock.requests if p.endswith("/agent/pending")]
    assert len(pages) == 3


async def test_client_page_size_above_100_is_422(mock, tmp_path, ids):
    settings = make_settings(tmp_path).model_copy(update={"ITEMS_PER_PAGE": 101})
    async with JobbergateClient(settings, transport=httpx.ASGITransport(app=mock.app)) as jg:
        with pytest.raises(JobbergateValidationError, match="size"):
            await jg.pending_submissions()


# --- the status machine ------------------------------------------------------------------------


async def test_submitted_then_tracked_to_done(client, mock, ids):
    sub = ids["hello"]
    await submit(client, sub, 100)
    assert mock.snapshot(sub)["status"] == "SUBMITTED"
    assert sub not in [p.id for p in await client.pending_submissions()]
    active = {a.id: a for a in await client.active_submissions()}
    assert (active[sub].status, active[sub].slurm_job_id) == ("SUBMITTED", 100)

    await update(client, sub, "RUNNING")
    await update(client, sub, "RUNNING")
    assert mock.snapshot(sub)["status"] == "SUBMITTED"
    await update(client, sub, "COMPLETED")
    snap = mock.snapshot(sub)
    assert snap["status"] == "DONE"
    assert snap["history"] == ["PENDING", "RUNNING", "COMPLETED"]  # one row per change
    assert snap["reports"] == 4
    assert sub not in [a.id for a in await client.active_submissions()]


async def test_submitted_only_from_created(client, mock, ids):
    await submit(client, ids["hello"])
    with pytest.raises(
        JobbergateBadRequest, match="Only CREATED Job Submissions can be marked as SUBMITTED"
    ):
        await submit(client, ids["hello"])


async def test_cancelled_stays_cancelled_when_submitted(client, mock, ids):
    sub = ids["hello"]
    mock.cancel(sub)
    await submit(client, sub, 55)
    snap = mock.snapshot(sub)
    assert (snap["status"], snap["slurm_job_id"]) == ("CANCELLED", 55)


async def test_rejected(client, mock, ids):
    sub = ids["must-reject"]
    message = "unsupported #SBATCH option --wait on line 3; remove it"
    await client.mark_rejected(sub, message)
    snap = mock.snapshot(sub)
    assert (snap["status"], snap["report_message"], snap["history"]) == (
        "REJECTED", message, ["REJECTED"]
    )  # fmt: skip
    with pytest.raises(
        JobbergateBadRequest, match="Only CREATED Job Submissions can be marked as REJECTED"
    ):
        await client.mark_rejected(sub, message)


async def test_reject_racing_a_cancel_is_400(client, mock, ids):
    mock.cancel(ids["hello"])
    with pytest.raises(JobbergateBadRequest):
        await client.mark_rejected(ids["hello"], "x")


@pytest.mark.parametrize(
    ("state", "status"),
    [("FAILED", "ABORTED"), ("TIMEOUT", "ABORTED"), ("UNKNOWN", "ABORTED"),
     ("CANCELLED", "ABORTED"), ("OUT_OF_MEMORY", "SUBMITTED"), ("SUSPENDED", "SUBMITTED"),
     ("COMPLETED", "DONE")],
)  # fmt: skip
async def test_status_is_derived_from_the_state(client, mock, ids, state, status):
    sub = ids["exits-non-zero"]
    await submit(client, sub)
    await update(client, sub, state, reason=f"reason for {state}")
    snap = mock.snapshot(sub)
    assert snap["status"] == status
    assert snap["slurm_job_state"] == state
    if status == "ABORTED":
        assert snap["report_message"] == f"reason for {state}"


async def test_update_only_for_submitted_or_cancelled(client, mock, ids):
    with pytest.raises(JobbergateBadRequest, match="SUBMITTED or CANCELLED"):
        await update(client, ids["hello"], "RUNNING")  # still CREATED
    await submit(client, ids["hello"])
    await update(client, ids["hello"], "COMPLETED")
    with pytest.raises(JobbergateBadRequest):
        await update(client, ids["hello"], "COMPLETED")  # DONE now


async def test_update_with_another_slurm_job_id_is_409(client, mock, ids):
    await submit(client, ids["hello"], 100)
    with pytest.raises(JobbergateConflict) as caught:
        await update(client, ids["hello"], "RUNNING", slurm_job_id=101)
    assert caught.value.status == 409
    with pytest.raises(JobbergateConflict):
        await update(client, ids["hello"], "RUNNING", slurm_job_id=None)
    assert mock.snapshot(ids["hello"])["slurm_job_state"] == "PENDING"


async def test_cancelled_before_slurm_is_closed_with_null_job_id(client, mock, ids):
    sub = ids["cancelled-before-submit"]
    [active] = await client.active_submissions()
    assert (active.id, active.status, active.slurm_job_id) == (sub, "CANCELLED", None)
    with pytest.raises(JobbergateConflict):
        await update(client, sub, "CANCELLED", slurm_job_id=5)
    await update(
        client,
        sub,
        "CANCELLED",
        slurm_job_id=None,
        reason="cancelled by the user before it reached Slurm",
    )
    snap = mock.snapshot(sub)
    assert snap["status"] == "ABORTED"
    assert snap["report_message"] == "cancelled by the user before it reached Slurm"


async def test_unknown_submission_is_404(client, mock, ids):
    with pytest.raises(JobbergateNotFound):
        await submit(client, 999)
    with pytest.raises(JobbergateNotFound):
        await client.mark_rejected(999, "x")
    await submit(client, ids["hello"])
    mock.delete_submission(ids["hello"])
    with pytest.raises(JobbergateNotFound) as caught:
        await update(client, ids["hello"], "RUNNING")
    assert not caught.value.transient


async def test_another_clusters_row_is_403(client, mock, ids):
    script = mock.submissions[ids["hello"]].job_script_id
    theirs = mock.add_submission(script, "theirs", client_id="cluster-b", slurm_job_id=7)
    for call in (
        submit(client, theirs),
        client.mark_rejected(theirs, "x"),
        update(client, theirs, "RUNNING", slurm_job_id=7),
    ):
        with pytest.raises(JobbergateForbidden, match=r"Mismatch on attribute\(s\): client_id"):
            await call
    assert mock.snapshot(theirs)["status"] == "SUBMITTED"
    assert theirs not in [a.id for a in await client.active_submissions()]


async def test_state_outside_the_enum_is_422(client, mock, ids):
    with pytest.raises(JobbergateValidationError, match="slurm_job_state"):
        await client.mark_submitted(
            ids["hello"],
            slurm_job_id=1,
            slurm_job_state="DONE",
            slurm_job_info="{}",
            slurm_job_state_reason=None,
        )
    assert mock.snapshot(ids["hello"])["status"] == "CREATED"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/jobbergate/job-submissions/agent/submitted",
         {"id": 1, "slurm_job_id": 3, "slurm_job_state": "PENDING"}),
        ("/jobbergate/job-submissions/agent/submitted",
         {"id": 1, "slurm_job_id": -1, "slurm_job_state": "PENDING", "slurm_job_info": "{}"}),
        ("/jobbergate/job-submissions/agent/rejected", {"id": 1}),
    ],
    ids=["no-info", "negative-id", "no-message"],
)  # fmt: skip
async def test_missing_or_invalid_fields_are_422(raw, mock, ids, path, body):
    answer = await raw.post(path, json=body, headers=auth(mock))
    assert answer.status_code == 422
    assert mock.snapshot(1)["status"] == "CREATED"


async def test_put_without_state_is_422(raw, mock, ids):
    answer = await raw.put(
        "/jobbergate/job-submissions/agent/1",
        json={"slurm_job_id": None, "slurm_job_info": "{}"},
        headers=auth(mock),
    )
    assert answer.status_code == 422


# --- files, heartbeat, helpers ------------------------------------------------------------------


async def test_download_raw_bytes(client, mock, ids):
    script = mock.submissions[ids["support-files"]].job_script_id
    assert await client.download_file(script, "blob.bin") == BINARY_CONTENT
    assert await client.download_file(script, "data/params.json") == b'{"alpha": 0.5, "steps": 10}'
    with pytest.raises(JobbergateNotFound):
        await client.download_file(script, "missing.txt")
    with pytest.raises(JobbergateNotFound):
        await client.download_file(999, "job.sh")


async def test_download_filename_with_spaces(client, mock):
    script = mock.add_job_script(
        "odd", {"run me.sh": "#!/bin/sh\n", "a b/c#d.txt": "x"}, entrypoint="run me.sh"
    )
    assert await client.download_file(script, "a b/c#d.txt") == b"x"


async def test_report_status(client, mock):
    await client.report_status(90)
    row = mock.cluster_status[CLIENT_ID]
    assert row.interval == 90 and row.is_healthy
    with pytest.raises(JobbergateValidationError):
        await client.report_status(0)


async def test_injected_fault_is_retried_by_get(client, mock, ids):
    mock.add_fault("GET", "/jobbergate/job-submissions/agent/active", 503, count=2)
    assert len(await client.active_submissions()) == 1
    assert len([p for m, p in mock.requests if p.endswith("/agent/active")]) == 3


async def test_cancel_rules(mock, ids):
    from jobbergate_agent.devstack.mock_jobbergate import ApiError

    mock.cancel(ids["hello"])
    assert mock.snapshot(ids["hello"])["status"] == "CANCELLED"
    with pytest.raises(ApiError):
        mock.cancel(ids["hello"])


async def test_admin_routes(raw, mock):
    created = await raw.post("/admin/job-scripts", json={
        "name": "s", "entrypoint": "job.sh", "files": {"job.sh": "#!/bin/sh\n"},
        "files_base64": {"b.bin": base64.b64encode(b"\x00\xff").decode()},
    })  # fmt: skip
    script = created.json()["id"]
    sub = (await raw.post("/admin/submissions", json={"job_script_id": script, "name": "n"})
           ).json()["id"]  # fmt: skip
    assert mock.job_scripts[script].files["b.bin"].content == b"\x00\xff"
    cancelled = await raw.put(f"/admin/submissions/{sub}/cancel")
    assert cancelled.json()["status"] == "CANCELLED"
    again = await raw.put(f"/admin/submissions/{sub}/cancel")
    assert again.status_code == 400
    listed = (await raw.get("/admin/submissions")).json()
    assert [s["id"] for s in listed] == [sub]
    assert (await raw.delete(f"/admin/submissions/{sub}")).status_code == 204
    assert (await raw.get(f"/admin/submissions/{sub}")).status_code == 404
    seeded = (await raw.post("/admin/seed")).json()
    assert set(seeded) >= {"hello", "support-files", "must-reject"}


async def test_unknown_route_is_json_404(raw):
    answer = await raw.get("/jobbergate/nope")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not Found"}


async def test_cancelled_job_keeps_status_until_slurm_says_it_ended(client, mock, ids):
    sub = ids["hello"]
    await submit(client, sub, 100)
    mock.cancel(sub)
    active = {a.id: a for a in await client.active_submissions()}
    assert (active[sub].status, active[sub].slurm_job_id) == ("CANCELLED", 100)
    await update(client, sub, "RUNNING")
    assert mock.snapshot(sub)["status"] == "CANCELLED"
    await update(client, sub, "CANCELLED", reason="cancelled by the user")
    snap = mock.snapshot(sub)
    assert (snap["status"], snap["report_message"]) == ("ABORTED", "cancelled by the user")


async def test_a_fresh_key_mock_refuses_another_mocks_token(mock):
    other = MockJobbergate(client_id=CLIENT_ID, client_secret=SECRET, fresh_key=True)
    token = mock.issue_token(CLIENT_ID)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=other.app),
                                 base_url=API) as c:  # fmt: skip
        answer = await c.get("/jobbergate/job-submissions/agent/active",
                             headers={"authorization": f"Bearer {token}"})  # fmt: skip
        mine = await c.get("/jobbergate/job-submissions/agent/active", headers=auth(other))
    assert answer.status_code == 401
    assert mine.status_code == 200


async def test_events_tell_each_change_once(client, mock, ids, capsys):
    mock.echo = True
    sub = ids["exits-non-zero"]
    await submit(client, sub, 42)
    await update(client, sub, "PENDING", slurm_job_id=42)  # no change: no event
    await update(client, sub, "FAILED", slurm_job_id=42, reason="exit code 3")
    await client.mark_rejected(ids["must-reject"], "unsupported #SBATCH option --wait")
    assert mock.events[-3:] == [
        f"submission {sub} (exits-non-zero): CREATED -> SUBMITTED, Slurm job 42 PENDING",
        f"submission {sub} (exits-non-zero): SUBMITTED -> ABORTED, Slurm job 42 FAILED "
        "(exit code 3)",
        f"submission {ids['must-reject']} (must-reject): CREATED -> REJECTED, reason: "
        "unsupported #SBATCH option --wait",
    ]
    assert capsys.readouterr().out.count("mock Jobbergate: submission") == 3


async def test_oidc_outage_can_be_injected(client, mock, ids):
    mock.add_fault("POST", "/realms/jobbergate-local/protocol/openid-connect/token", 503, 2)
    assert len(await client.active_submissions()) == 1  # the token fetch is retried
    assert mock.tokens_issued == 1
    mock.add_fault("POST", "/realms/", 503, 3)
    with pytest.raises(JobbergateUnavailable):
        await client.check_token()


async def test_admin_bad_request_is_422(raw):
    answer = await raw.post("/admin/submissions", json={"name": "no script"})
    assert answer.status_code == 422
    assert "job_script_id" in answer.json()["detail"]
