"""The OIDC client-credentials token: fetch, disk cache, renewal, 401 handling, errors."""

from __future__ import annotations

import asyncio
import json
import stat
import time
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from jobbergate_agent.jobbergate import token as token_module
from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.jobbergate.errors import (
    JobbergateAuthError,
    JobbergateInvalidResponse,
    JobbergateUnavailable,
)

API = "https://jobbergate.test"
TOKEN_URL = "https://auth.test/realms/vantage/protocol/openid-connect/token"
STATUS_URL = API + "/jobbergate/clusters/status"


def bearer(request: httpx.Request) -> str:
    return request.headers["authorization"].removeprefix("Bearer ")


async def test_token_is_a_form_post_with_client_credentials(client, router, token_route):
    router.put(STATUS_URL).respond(202)
    await client.report_status(60)

    assert token_route.call_count == 1
    request = token_route.calls.last.request
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(request.content.decode()) == {
        "grant_type": ["client_credentials"],
        "client_id": ["cluster-a"],
        "client_secret": ["s3cret-value-never-logged"],
    }
    assert "authorization" not in request.headers


async def test_requests_carry_the_fetched_token(client, router, make_jwt, token_answer):
    issued = make_jwt()
    router.post(TOKEN_URL).mock(return_value=token_answer(issued))
    status = router.put(STATUS_URL).respond(202)
    await client.report_status(60)
    assert status.calls.last.request.headers["authorization"] == f"Bearer {issued}"


async def test_http_scheme_when_https_is_off(settings, router, token_answer):
    settings = settings.model_copy(update={"OIDC_USE_HTTPS": False})
    route = router.post("http://auth.test/realms/vantage/protocol/openid-connect/token").mock(
        return_value=token_answer()
    )
    router.put(STATUS_URL).respond(202)
    async with JobbergateClient(settings) as jg:
        await jg.report_status(30)
    assert route.call_count == 1


async def test_token_is_reused_while_valid(client, router, token_route):
    router.put(STATUS_URL).respond(202)
    for _ in range(3):
        await client.report_status(60)
    assert token_route.call_count == 1


async def test_disk_cache_is_reused_by_a_new_client(settings, router, token_route):
    status = router.put(STATUS_URL).respond(202)
    async with JobbergateClient(settings) as first:
        await first.report_status(60)
    async with JobbergateClient(settings) as second:
        await second.report_status(60)

    assert token_route.call_count == 1
    tokens = {bearer(call.request) for call in status.calls}
    assert len(tokens) == 1


async def test_cache_file_is_private_and_written_whole(settings, client, router, token_route):
    router.put(STATUS_URL).respond(202)
    await client.report_status(60)

    cache_file = settings.CACHE_DIR / "jobbergate-token"
    assert stat.S_IMODE(cache_file.stat().st_mode) == 0o600
    data = json.loads(cache_file.read_text())
    assert data["client_id"] == "cluster-a"
    assert data["expires_at"] > time.time() + 200
    # the temporary file of the atomic write is gone, and the secret is not stored
    assert [p.name for p in settings.CACHE_DIR.iterdir()] == ["jobbergate-token"]
    assert "s3cret" not in cache_file.read_text()


async def test_cache_of_another_client_is_not_reused(settings, router, token_route):
    router.put(STATUS_URL).respond(202)
    async with JobbergateClient(settings) as first:
        await first.report_status(60)
    other = settings.model_copy(update={"OIDC_CLIENT_ID": "cluster-b"})
    async with JobbergateClient(other) as second:
        await second.report_status(60)
    assert token_route.call_count == 2


async def test_corrupt_cache_is_ignored(settings, router, token_route, logs):
    settings.CACHE_DIR.mkdir(parents=True)
    (settings.CACHE_DIR / "jobbergate-token").write_text("{not json")
    router.put(STATUS_URL).respond(202)
    async with JobbergateClient(settings) as jg:
        await jg.report_status(60)
    assert token_route.call_count == 1
    assert json.loads((settings.CACHE_DIR / "jobbergate-token").read_text())["access_token"]
    assert any("unreadable token cache" in m for m in logs)


async def test_unwritable_cache_dir_still_works(settings, router, token_route, logs):
    settings.CACHE_DIR.parent.mkdir(parents=True, exist_ok=True)
    settings.CACHE_DIR.write_text("a file where the directory should be")
    status = router.put(STATUS_URL).respond(202)
    async with JobbergateClient(settings) as jg:
        await jg.report_status(60)
        await jg.report_status(60)
    assert status.call_count == 2
    assert token_route.call_count == 1
    assert any("Could not write the token cache" in m for m in logs)


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def time(self) -> float:
        return self.now


@pytest.mark.parametrize("expires_in", [3600, None], ids=["expires_in", "exp-claim"])
async def test_token_renewed_before_it_expires(
    client, router, monkeypatch, make_jwt, token_answer, expires_in
):
    clock = FakeClock()
    monkeypatch.setattr(token_module, "time", clock)
    issued = iter([make_jwt(lifetime=3600), make_jwt(lifetime=7200)])
    token_route = router.post(TOKEN_URL).mock(
        side_effect=lambda request: token_answer(next(issued), expires_in=expires_in)
    )
    router.put(STATUS_URL).respond(202)

    await client.report_status(60)
    clock.now += 3600 - 120  # two minutes left: still used
    await client.report_status(60)
    assert token_route.call_count == 1
    clock.now += 120 - 31  # 31 s left: inside the renewal margin
    await client.report_status(60)
    assert token_route.call_count == 2


async def test_401_fetches_a_new_token_once_and_retries(client, router, make_jwt, token_answer):
    first, second = make_jwt(claims={"jti": "1"}), make_jwt(claims={"jti": "2"})
    issued = iter([first, second])
    token_route = router.post(TOKEN_URL).mock(
        side_effect=lambda request: token_answer(next(issued))
    )
    status = router.put(STATUS_URL).mock(
        side_effect=lambda request: httpx.Response(
            202 if bearer(request) == second else 401, json={"detail": "Not authenticated"}
        )
    )
    await client.report_status(60)

    assert token_route.call_count == 2
    assert [bearer(c.request) for c in status.calls] == [first, second]


async def test_401_twice_is_an_auth_error(client, router, token_route):
    status = router.put(STATUS_URL).respond(401, json={"detail": "Not authenticated"})
    with pytest.raises(JobbergateAuthError) as caught:
        await client.report_status(60)
    assert status.call_count == 2
    assert token_route.call_count == 2
    assert caught.value.status == 401
    assert not caught.value.transient
    assert "Not authenticated" in str(caught.value)
    assert "PUT /jobbergate/clusters/status" in str(caught.value)


async def test_concurrent_callers_share_one_token_fetch(client, router, token_answer):
    async def slow_token(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return token_answer()

    token_route = router.post(TOKEN_URL).mock(side_effect=slow_token)
    status = router.put(STATUS_URL).respond(202)
    await asyncio.gather(*(client.report_status(60) for _ in range(10)))
    assert status.call_count == 10
    assert token_route.call_count == 1


async def test_concurrent_401s_share_one_refetch(client, router, make_jwt, token_answer):
    first, second = make_jwt(claims={"jti": "1"}), make_jwt(claims={"jti": "2"})
    issued = iter([first, second])
    token_route = router.post(TOKEN_URL).mock(
        side_effect=lambda request: token_answer(next(issued))
    )

    async def status(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.01)
        return httpx.Response(202 if bearer(request) == second else 401)

    router.put(STATUS_URL).mock(side_effect=status)
    await client.report_status(60)  # caches `first`
    await asyncio.gather(*(client.report_status(60) for _ in range(5)))
    assert token_route.call_count == 2


async def test_wrong_secret_says_what_to_check(client, router, logs):
    router.post(TOKEN_URL).respond(
        401,
        json={
            "error": "invalid_client",
            "error_description": "Invalid client or Invalid client credentials",
        },
    )
    api = router.put(STATUS_URL).respond(202)
    with pytest.raises(JobbergateAuthError) as caught:
        await client.report_status(60)
    message = str(caught.value)
    assert "invalid_client" in message
    assert "OIDC_CLIENT_ID" in message and "OIDC_CLIENT_SECRET" in message
    assert "cluster-a" in message
    assert not caught.value.transient
    assert api.call_count == 0
    assert "s3cret" not in message


@pytest.mark.parametrize(
    "answer",
    [httpx.Response(200, json={"token_type": "Bearer"}), httpx.Response(200, text="<html>")],
    ids=["no-access-token", "not-json"],
)
async def test_token_answer_without_access_token(client, router, answer):
    router.post(TOKEN_URL).mock(return_value=answer)
    with pytest.raises(JobbergateAuthError, match="without an access_token"):
        await client.report_status(60)


async def test_oidc_server_down_is_transient(client, router):
    route = router.post(TOKEN_URL).mock(side_effect=httpx.ConnectError("connection refused"))
    api = router.put(STATUS_URL).respond(202)
    with pytest.raises(JobbergateUnavailable) as caught:
        await client.report_status(60)
    assert caught.value.transient
    assert "JOBBERGATE_AGENT_OIDC_DOMAIN" in str(caught.value)
    assert route.call_count == 3  # a token fetch is safe to repeat: retried like a GET
    assert api.call_count == 0


async def test_oidc_server_5xx_is_retried_then_transient(client, router):
    route = router.post(TOKEN_URL).respond(503, text="maintenance")
    with pytest.raises(JobbergateUnavailable) as caught:
        await client.report_status(60)
    assert caught.value.status == 503
    assert route.call_count == 3


async def test_oidc_hiccup_is_retried(client, router, token_answer):
    route = router.post(TOKEN_URL).mock(
        side_effect=[httpx.ConnectError("reset"), httpx.Response(502), token_answer()]
    )
    api = router.put(STATUS_URL).respond(202)
    await client.report_status(60)
    assert (route.call_count, api.call_count) == (3, 1)


async def test_oidc_timeout_is_transient(client, router):
    router.post(TOKEN_URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(JobbergateUnavailable, match="timed out"):
        await client.report_status(60)


async def test_check_token_fetches_a_fresh_token_and_returns_its_claims(
    client, router, token_route
):
    first = await client.check_token()
    second = await client.check_token()
    assert token_route.call_count == 2
    assert first["azp"] == second["azp"] == "cluster-a"
    assert first["exp"] > time.time()
    assert "jobbergate:job-submissions:read" in first["permissions"]


async def test_check_token_on_an_opaque_token(client, router, token_answer):
    router.post(TOKEN_URL).mock(return_value=token_answer("opaque-token"))
    with pytest.raises(JobbergateInvalidResponse, match="not a JWT"):
        await client.check_token()


async def test_secret_and_token_never_logged(settings, router, make_jwt, token_answer, logs):
    issued = make_jwt()
    router.post(TOKEN_URL).mock(return_value=token_answer(issued))
    router.put(STATUS_URL).mock(
        side_effect=[httpx.Response(401), httpx.Response(202), httpx.Response(500)]
    )
    async with JobbergateClient(settings, retry_backoff=0) as jg:
        await jg.report_status(60)
        with pytest.raises(JobbergateUnavailable):
            await jg.report_status(60)
    text = "\n".join(logs)
    assert "Fetched an access token" in text  # the capture works
    assert "s3cret" not in text
    assert issued not in text
    assert issued.split(".")[1] not in text


@respx.mock
async def test_token_url_is_built_from_oidc_domain_with_trailing_slash(settings, token_answer):
    settings = settings.model_copy(update={"OIDC_DOMAIN": "auth.test/realms/vantage/"})
    route = respx.post(TOKEN_URL).mock(return_value=token_answer())
    respx.put(STATUS_URL).respond(202)
    async with JobbergateClient(settings) as jg:
        await jg.report_status(10)
    assert route.called


async def test_oidc_domain_given_with_a_scheme_is_used_as_is(settings, router, token_answer):
    settings = settings.model_copy(update={"OIDC_DOMAIN": "http://auth.test:8080/realms/v"})
    route = router.post("http://auth.test:8080/realms/v/protocol/openid-connect/token").mock(
        return_value=token_answer()
    )
    router.put(STATUS_URL).respond(202)
    async with JobbergateClient(settings) as jg:
        await jg.report_status(10)
    assert route.call_count == 1
