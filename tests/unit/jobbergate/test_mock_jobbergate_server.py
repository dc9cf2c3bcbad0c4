"""The mock Jobbergate API run as a server (as `make run` does), used over real HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server() -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "jobbergate_agent.devstack.mock_jobbergate", "--port", str(port),
         "--client-id", "cluster-a", "--client-secret", "s3cret"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/jobbergate/health").status_code == 204:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                output = process.stdout.read() if process.stdout else ""
                pytest.fail(f"mock Jobbergate did not start: {output}")
            time.sleep(0.1)
        yield port, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def test_server_serves_the_seed_over_http(server, tmp_path):
    port, _ = server
    settings = Settings(
        BASE_API_URL=f"http://127.0.0.1:{port}",
        OIDC_DOMAIN=f"127.0.0.1:{port}/realms/jobbergate-local",
        OIDC_USE_HTTPS=False,
        OIDC_CLIENT_ID="cluster-a",
        OIDC_CLIENT_SECRET="s3cret",  # type: ignore[arg-type]
        CACHE_DIR=tmp_path,
    )
    async with JobbergateClient(settings) as jg:
        claims = await jg.check_token()
        pending = await jg.pending_submissions()
        hello = next(p for p in pending if p.name == "hello")
        await jg.mark_submitted(
            hello.id,
            slurm_job_id=1,
            slurm_job_state="RUNNING",
            slurm_job_info="{}",
            slurm_job_state_reason=None,
        )
        await jg.report_status(60)
        active = await jg.active_submissions()

    assert claims["azp"] == "cluster-a"
    assert len(pending) == 5
    assert {(a.name, a.status) for a in active} == {
        ("hello", "SUBMITTED"), ("cancelled-before-submit", "CANCELLED")
    }  # fmt: skip
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as admin:
        snapshot = (await admin.get(f"/admin/submissions/{hello.id}")).json()
        clusters = (await admin.get("/admin/clusters")).json()
    assert snapshot["status"] == "SUBMITTED" and snapshot["slurm_job_state"] == "RUNNING"
    assert clusters["cluster-a"]["is_healthy"] is True


def test_server_listens_on_loopback_only(server):
    port, process = server
    # /proc/net/tcp lists "local_address:port" in hex; state 0A is LISTEN.
    listening = []
    with open("/proc/net/tcp") as tcp:
        lines = tcp.read().splitlines()[1:]
    for line in lines:
        fields = line.split()
        address, hex_port = fields[1].split(":")
        if int(hex_port, 16) == port and fields[3] == "0A":
            listening.append(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    assert listening == ["127.0.0.1"]
    with open("/proc/net/tcp6") as tcp6:
        assert not [line for line in tcp6.read().splitlines()[1:]
                    if int(line.split()[1].split(":")[1], 16) == port]  # fmt: skip
    with socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert process.poll() is None


async def test_in_process_server_and_its_settings(monkeypatch):
    from jobbergate_agent.devstack.mock_jobbergate import MockJobbergate, MockJobbergateServer
    from jobbergate_agent.devstack.seed import seed

    mock = MockJobbergate(client_id="cluster-z", client_secret="zz")
    ids = seed(mock)
    with MockJobbergateServer(mock) as served:
        assert served.port > 0
        for name, value in served.env().items():
            monkeypatch.setenv(name, value)
        async with JobbergateClient(Settings()) as jg:
            await jg.mark_rejected(ids["must-reject"], "unsupported #SBATCH option --wait")
            claims = await jg.check_token()
        version = httpx.get(f"{served.url}/jobbergate/openapi.json").json()["info"]["version"]
    assert mock.snapshot(ids["must-reject"])["status"] == "REJECTED"
    assert claims["iss"] == f"{served.url}/realms/jobbergate-local"
    assert version.startswith("5.")
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{served.url}/jobbergate/health", timeout=1)
