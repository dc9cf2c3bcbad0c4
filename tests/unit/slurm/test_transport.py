"""Transport policy: what is retried, what never is, timeouts, unix sockets."""

from __future__ import annotations

import asyncio
import os
import tempfile

import httpx
import pytest
import respx

from jobbergate_agent.slurm.errors import SlurmConnectionError, SlurmTimeoutError
from jobbergate_agent.slurm.transport import Transport

BASE = "http://slurmrestd.test:6820"


def transport(**kwargs) -> Transport:
    return Transport(BASE, backoff_base=0.001, backoff_max=0.002, **kwargs)


@respx.mock
async def test_reads_are_retried_on_gateway_errors():
    route = respx.get(f"{BASE}/slurm/v0.0.44/jobs/").mock(
        side_effect=[
            httpx.Response(502, json={"errors": [{"error_number": 1800}]}),
            httpx.Response(503, text="busy"),
            httpx.Response(200, json={"jobs": []}),
        ]
    )
    response = await transport().request("GET", "/slurm/v0.0.44/jobs/", what="list", headers={})
    assert response.status == 200 and route.call_count == 3


@respx.mock
async def test_reads_give_up_after_max_retries():
    route = respx.get(f"{BASE}/x").mock(return_value=httpx.Response(503, text="busy"))
    response = await transport(max_retries=2).request("GET", "/x", what="x", headers={})
    assert response.status == 503 and route.call_count == 3


@respx.mock
async def test_submit_is_not_retried_after_the_request_left():
    route = respx.post(f"{BASE}/slurm/v0.0.44/job/submit").mock(
        side_effect=httpx.ReadError("connection reset")
    )
    with pytest.raises(SlurmConnectionError, match="connection to slurmrestd lost"):
        await transport().request(
            "POST",
            "/slurm/v0.0.44/job/submit",
            what="submit",
            headers={},
            body={"job": {}},
            idempotent=False,
        )
    assert route.call_count == 1


@respx.mock
async def test_submit_is_not_retried_on_a_gateway_error():
    route = respx.post(f"{BASE}/s").mock(return_value=httpx.Response(502, text="bad gateway"))
    response = await transport().request(
        "POST", "/s", what="submit", headers={}, body={}, idempotent=False
    )
    assert response.status == 502 and route.call_count == 1


@respx.mock
async def test_submit_is_retried_when_the_connection_never_opened():
    route = respx.post(f"{BASE}/s").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(200, json={"job_id": 1})]
    )
    response = await transport().request(
        "POST", "/s", what="submit", headers={}, body={}, idempotent=False
    )
    assert response.data == {"job_id": 1} and route.call_count == 2


@respx.mock
async def test_timeout_is_typed_and_transient():
    respx.get(f"{BASE}/slow").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(SlurmTimeoutError) as error:
        await transport(max_retries=1).request("GET", "/slow", what="ping", headers={})
    assert error.value.transient


@respx.mock
async def test_connection_refused_names_the_server():
    respx.get(f"{BASE}/p").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(SlurmConnectionError, match="cannot connect to slurmrestd at http"):
        await transport(max_retries=0).request("GET", "/p", what="ping", headers={})


@respx.mock
async def test_body_is_json_with_content_type():
    route = respx.post(f"{BASE}/s").mock(return_value=httpx.Response(200, json={}))
    await transport().request(
        "POST",
        "/s",
        what="submit",
        headers={"X": "1"},
        body={"job": {"name": "é"}},
        idempotent=False,
    )
    request = route.calls.last.request
    assert request.headers["content-type"] == "application/json"
    assert request.headers["x"] == "1"
    assert request.content == b'{"job": {"name": "\\u00e9"}}'


async def test_unix_socket_url():
    """A real HTTP server on a unix socket answers through `unix:/path`."""
    directory = tempfile.mkdtemp()
    path = os.path.join(directory, "rest.sock")

    async def handle(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        body = b'{"pings": []}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(handle, path=path)
    try:
        t = Transport(f"unix:{path}")
        response = await t.request("GET", "/slurm/v0.0.44/ping/", what="ping", headers={})
        assert response.data == {"pings": []}
        await t.aclose()
    finally:
        server.close()
        await server.wait_closed()
