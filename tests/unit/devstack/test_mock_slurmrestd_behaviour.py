"""The mock slurmrestd's behaviour: auth paths, job lifecycle, cancel, purge, execution, runner."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from .helpers import KEY, FakeClock, headers, submit_body

V44 = "/slurm/v0.0.44"


def state(body: dict[str, Any]) -> Any:
    return body["jobs"][0]["job_state"]


# --- auth ----------------------------------------------------------------------------------


async def test_no_token_headers_is_401_text_and_closes(make_mock: Any) -> None:
    mock = make_mock("26.05")
    async with mock.client() as client:
        response = await client.get(f"{V44}/jobs/")
        unknown = await client.get("/nowhere")  # checked before the path
    for r in (response, unknown):
        assert r.status_code == 401
        assert r.text == "Authentication failure"
        assert r.headers["content-type"].startswith("text/plain")
        assert r.headers["connection"] == "close"


async def test_bearer_from_23_02_on_and_never_both(make_mock: Any) -> None:
    mock = make_mock("26.05")
    token = mock.token("jgalice")
    async with mock.client() as client:
        ok = await client.get(f"{V44}/jobs/", headers={"Authorization": f"Bearer {token}"})
        both = await client.get(
            f"{V44}/jobs/",
            headers={"Authorization": f"Bearer {token}", "X-SLURM-USER-TOKEN": token},
        )
    assert ok.status_code == 200
    assert ok.json()["meta"]["client"]["user"] == "jgalice"
    assert both.status_code == 401
    old = make_mock("22.05")
    async with old.client() as client:
        bearer = await client.get(
            "/slurm/v0.0.38/jobs/", headers={"Authorization": f"Bearer {old.token('jgalice')}"}
        )
        no_name = await client.get(
            "/slurm/v0.0.38/jobs/", headers={"X-SLURM-USER-TOKEN": old.token("jgalice")}
        )
        named = await client.get("/slurm/v0.0.38/jobs/", headers=headers(old))
    assert bearer.status_code == 401  # 22.05 knows no Bearer
    assert no_name.status_code == 401  # 22.05 wants X-SLURM-USER-NAME with the token
    assert named.status_code == 200


@pytest.mark.parametrize(
    ("profile", "version", "status"),
    [("22.05", "v0.0.38", 500), ("24.11", "v0.0.41", 511), ("26.05", "v0.0.45", 511)],
)
async def test_bad_expired_or_foreign_token(
    make_mock: Any, profile: str, version: str, status: int
) -> None:
    mock = make_mock(profile)
    now = int(time.time())
    forged = jwt.encode({"sun": "jgalice", "exp": now + 60}, b"x" * 32, algorithm="HS256")
    expired = jwt.encode({"sun": "jgalice", "exp": now - 1}, KEY, algorithm="HS256")
    async with mock.client() as client:
        for token in (forged, expired, "not.a.jwt"):
            r = await client.get(
                f"/slurm/{version}/jobs/",
                headers={"X-SLURM-USER-NAME": "jgalice", "X-SLURM-USER-TOKEN": token},
            )
            assert r.status_code == status
            assert r.headers["connection"] == "close"
            error = r.json()["errors"][0]
            assert error["error_number"] == (-1 if profile == "22.05" else 1007)
        ping = await client.get(
            f"/slurm/{version}/ping/",
            headers={"X-SLURM-USER-NAME": "jgalice", "X-SLURM-USER-TOKEN": forged},
        )
    # 24.11+ answer ping whatever the token (the controller shows as not responding)
    assert ping.status_code == (500 if profile == "22.05" else 200)


async def test_privileged_users_act_for_others_and_others_cannot(
    make_mock: Any, clock: FakeClock
) -> None:
    mock = make_mock("26.05")
    async with mock.client() as client:
        r = await client.post(
            f"{V44}/job/submit",
            json=submit_body("v0.0.44"),
            headers=headers(mock, "slurm", as_user="jgbob"),
        )
        job_id = r.json()["job_id"]
        record = (await client.get(f"{V44}/job/{job_id}", headers=headers(mock, "jgbob"))).json()
        root = await client.get(f"{V44}/jobs/", headers=headers(mock, "root", as_user="jgcarol"))
        denied = await client.post(
            f"{V44}/job/submit",
            json=submit_body("v0.0.44"),
            headers=headers(mock, "jgalice", as_user="jgbob"),
        )
        foreign_cancel = await client.delete(
            f"{V44}/job/{job_id}", headers=headers(mock, "jgalice")
        )
    assert record["jobs"][0]["user_name"] == "jgbob"
    assert root.status_code == 200 and root.json()["meta"]["client"]["user"] == "jgcarol"
    assert denied.status_code == 511 and denied.json()["errors"][0]["error_number"] == 1007
    assert foreign_cancel.status_code == 500
    assert foreign_cancel.json()["errors"][0]["error_number"] == 2002
    assert mock.store.jobs[job_id].state == "PENDING"


# --- routing -------------------------------------------------------------------------------


async def test_versions_paths_and_methods(make_mock: Any) -> None:
    mock = make_mock("24.11")
    async with mock.client(headers=headers(mock)) as client:
        served = await client.get("/slurm/v0.0.42/ping")  # trailing slash optional
        not_served = await client.get("/slurm/v0.0.44/ping/")
        no_slurmdb = await client.get("/slurmdb/v0.0.42/job/1")
        wrong_method = await client.put("/slurm/v0.0.42/ping/")
    assert served.status_code == 200 and "connection" not in served.headers
    assert not_served.status_code == 404 and not_served.headers["connection"] == "close"
    assert not_served.text.startswith("Unable find requested URL")
    assert no_slurmdb.status_code == 404  # 24.11 without slurmdbd
    assert wrong_method.status_code == 405


# --- lifecycle -----------------------------------------------------------------------------


async def test_pending_running_completed_and_failed(make_mock: Any, clock: FakeClock) -> None:
    mock = make_mock("26.05", pending_seconds=1, run_seconds=2)
    async with mock.client(headers=headers(mock)) as client:
        ok = (await client.post(f"{V44}/job/submit", json=submit_body("v0.0.44"))).json()
        bad = (
            await client.post(
                f"{V44}/job/submit", json=submit_body("v0.0.44", "#!/bin/sh\nexit 7\n")
            )
        ).json()
        seen = [state((await client.get(f"{V44}/job/{ok['job_id']}")).json())]
        clock.advance(1.1)
        seen.append(state((await client.get(f"{V44}/job/{ok['job_id']}")).json()))
        clock.advance(2)
        final = (await client.get(f"{V44}/job/{ok['job_id']}")).json()["jobs"][0]
        failed = (await client.get(f"{V44}/job/{bad['job_id']}")).json()["jobs"][0]
    assert [*seen, final["job_state"]] == [["PENDING"], ["RUNNING"], ["COMPLETED"]]
    assert final["exit_code"]["status"] == ["SUCCESS"]
    assert failed["job_state"] == ["FAILED"] and failed["state_reason"] == "NonZeroExitCode"
    assert failed["exit_code"]["return_code"] == {"set": True, "infinite": False, "number": 7}
    assert failed["end_time"]["number"] - failed["start_time"]["number"] == 2


async def test_v38_record_is_a_string_state_and_a_wait_status(
    make_mock: Any, clock: FakeClock
) -> None:
    mock = make_mock("22.05", min_job_age=20)
    async with mock.client(headers=headers(mock)) as client:
        r = await client.post(
            "/slurm/v0.0.38/job/submit", json=submit_body("v0.0.38", "#!/bin/sh\nexit 2\n")
        )
        clock.advance(10)
        job = (await client.get(f"/slurm/v0.0.38/job/{r.json()['job_id']}")).json()["jobs"][0]
    assert job["job_state"] == "FAILED"
    assert job["exit_code"] == 2 << 8
    assert job["standard_output"] == "/tmp/fixture-%j.out"  # raw pattern in 22.05


async def test_held_jobs_stay_pending(make_mock: Any, clock: FakeClock) -> None:
    mock = make_mock("24.11")
    async with mock.client(headers=headers(mock)) as client:
        r = await client.post("/slurm/v0.0.42/job/submit", json=submit_body("v0.0.42", hold=True))
        clock.advance(1000)  # (tokens last 1800 s)
        job = (await client.get(f"/slurm/v0.0.42/job/{r.json()['job_id']}")).json()["jobs"][0]
    assert job["job_state"] == ["PENDING"] and job["state_reason"] == "JobHeldUser"
    assert r.json()["warnings"][-1]["description"].startswith("Job is in held state")


async def test_cancel_pending_running_done_and_unknown(make_mock: Any, clock: FakeClock) -> None:
    mock = make_mock("26.05", pending_seconds=1, run_seconds=100)
    async with mock.client(headers=headers(mock)) as client:
        pending = (await client.post(f"{V44}/job/submit", json=submit_body("v0.0.44"))).json()
        clock.advance(1.5)
        running = (await client.post(f"{V44}/job/submit", json=submit_body("v0.0.44"))).json()
        clock.advance(1.5)
        first = await client.delete(f"{V44}/job/{pending['job_id']}")
        assert mock.store.jobs[running["job_id"]].state == "RUNNING"
        second = await client.delete(f"{V44}/job/{running['job_id']}")
        again = await client.delete(f"{V44}/job/{running['job_id']}")
        unknown = await client.delete(f"{V44}/job/999999")
        record = (await client.get(f"{V44}/job/{running['job_id']}")).json()["jobs"][0]
    assert first.json()["status"] == [] and second.json()["status"] == []
    assert again.status_code == 200
    assert again.json()["status"][0]["error"]["code"] == 2021  # already done: not an error
    assert unknown.status_code == 200 and unknown.json()["status"][0]["error"]["code"] == 2017
    assert record["job_state"] == ["CANCELLED"]
    assert record["exit_code"]["signal"]["name"] == "TERM"
    assert mock.store.jobs[pending["job_id"]].state == "CANCELLED"


async def test_purge_after_min_job_age_then_slurmdbd_still_knows(
    make_mock: Any, clock: FakeClock
) -> None:
    mock = make_mock("26.05", pending_seconds=0, run_seconds=1, min_job_age=5)
    async with mock.client(headers=headers(mock)) as client:
        job_id = (await client.post(f"{V44}/job/submit", json=submit_body("v0.0.44"))).json()[
            "job_id"
        ]
        clock.advance(1 + 4.9)
        before = await client.get(f"{V44}/job/{job_id}")
        clock.advance(0.2)
        after = await client.get(f"{V44}/job/{job_id}")
        db = (await client.get(f"/slurmdb/v0.0.44/job/{job_id}")).json()["jobs"][0]
        state_list = (await client.get(f"{V44}/jobs/state/?job_id={job_id}")).json()["jobs"]
    assert before.status_code == 200
    assert after.status_code == 404 and after.json()["errors"][0]["error_number"] == 2017
    assert db["state"]["current"] == ["COMPLETED"] and db["job_id"] == job_id
    assert state_list == []


async def test_update_time_returns_only_jobs_changed_since(
    make_mock: Any, clock: FakeClock
) -> None:
    mock = make_mock("26.05", pending_seconds=10, run_seconds=10)
    async with mock.client(headers=headers(mock)) as client:
        old = (await client.post(f"{V44}/job/submit", json=submit_body("v0.0.44"))).json()
        clock.advance(5)
        since = int(clock.now)
        new = (await client.post(f"{V44}/job/submit", json=submit_body("v0.0.44"))).json()
        changed = (await client.get(f"{V44}/jobs/?update_time={since}")).json()
        clock.advance(5.5)  # `old` starts running
        later = (await client.get(f"{V44}/jobs/?update_time={int(clock.now) - 1}")).json()
        none = (await client.get(f"{V44}/jobs/?update_time={int(clock.now) + 1}")).json()
    assert [j["job_id"] for j in changed["jobs"]] == [new["job_id"]]
    assert [j["job_id"] for j in later["jobs"]] == [old["job_id"]]
    assert none["jobs"] == [] and none["warnings"][0]["description"].startswith("No job changes")


async def test_submit_checks_of_v38_and_v40(make_mock: Any) -> None:
    old, new = make_mock("22.05"), make_mock("26.05")
    async with old.client(headers=headers(old)) as client:
        unknown = await client.post(
            "/slurm/v0.0.38/job/submit", json=submit_body("v0.0.38", gpus_please=2)
        )
        wrong_type = await client.post(
            "/slurm/v0.0.38/job/submit", json=submit_body("v0.0.38", tasks="many")
        )
    assert unknown.status_code == 400
    assert unknown.json()["errors"][0]["description"] == 'Unknown key "gpus_please"'
    assert wrong_type.status_code == 400
    async with new.client(headers=headers(new)) as client:
        warned = await client.post(
            f"{V44}/job/submit", json=submit_body("v0.0.44", gpus_please="2")
        )
        wrong_type = await client.post(
            f"{V44}/job/submit", json=submit_body("v0.0.44", environment="PATH=/bin")
        )
        not_json = await client.post(
            f"{V44}/job/submit",
            content=b"script=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert warned.status_code == 200
    assert warned.json()["warnings"][0]["description"].startswith(
        'Ignoring unknown field "gpus_please" of type string'
    )
    assert new.store.jobs[warned.json()["job_id"]].spec.environment == {"PATH": "/usr/bin:/bin"}
    assert wrong_type.status_code == 400 and wrong_type.headers["connection"] == "close"
    assert not_json.status_code == 400


# --- execution -----------------------------------------------------------------------------


async def wait_final(client: httpx.AsyncClient, job_id: int, timeout: float = 20) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        job = (await client.get(f"{V44}/job/{job_id}")).json()["jobs"][0]
        if job["job_state"][0] not in ("PENDING", "RUNNING"):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


async def test_execute_runs_the_script_with_the_job_environment(make_mock: Any) -> None:
    mock = make_mock("26.05", execute=True, pending_seconds=0, clock=time.time)
    script = (
        '#!/bin/sh\necho "hello $GREETING from $SLURM_JOB_ID in $(pwd)"\necho oops >&2\nexit 4\n'
    )
    async with mock.client(headers=headers(mock)) as client:
        r = await client.post(
            f"{V44}/job/submit",
            json=submit_body(
                "v0.0.44",
                script,
                environment=["GREETING=hi", "PATH=/usr/bin:/bin"],
                standard_output="out-%j.txt",
            ),
        )
        job = await wait_final(client, r.json()["job_id"])
    job_id = job["job_id"]
    assert job["job_state"] == ["FAILED"]
    assert job["exit_code"]["return_code"]["number"] == 4
    workdir = mock.store.jobs[job_id].workdir
    assert workdir is not None and job["stdout_expanded"] == str(workdir / f"out-{job_id}.txt")
    assert Path(job["stdout_expanded"]).read_text() == (
        f"hello hi from {job_id} in {workdir}\noops\n"
    )
    assert job["standard_output"] == "out-%j.txt"


async def test_execute_times_out_and_cancel_kills(make_mock: Any) -> None:
    mock = make_mock("26.05", execute=True, pending_seconds=0, execute_timeout=0.5, clock=time.time)
    async with mock.client(headers=headers(mock)) as client:
        slow = (
            await client.post(
                f"{V44}/job/submit", json=submit_body("v0.0.44", "#!/bin/sh\nsleep 30\n")
            )
        ).json()
        job = await wait_final(client, slow["job_id"])
        assert job["job_state"] == ["TIMEOUT"] and job["state_reason"] == "TimeLimit"
        mock.store.execute_timeout = 60
        other = (
            await client.post(
                f"{V44}/job/submit", json=submit_body("v0.0.44", "#!/bin/sh\nsleep 30\n")
            )
        ).json()
        await client.get(f"{V44}/job/{other['job_id']}")  # starts it
        process = mock.store.jobs[other["job_id"]].process
        assert process is not None and process.poll() is None
        await client.delete(f"{V44}/job/{other['job_id']}")
    assert process.poll() is not None
    assert mock.store.jobs[other["job_id"]].state == "CANCELLED"


async def test_simulated_jobs_run_nothing(make_mock: Any, clock: FakeClock, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    mock = make_mock("26.05", pending_seconds=0, run_seconds=1)
    async with mock.client(headers=headers(mock)) as client:
        r = await client.post(
            f"{V44}/job/submit", json=submit_body("v0.0.44", f"#!/bin/sh\ntouch {marker}\n")
        )
        clock.advance(2)
        job = (await client.get(f"{V44}/job/{r.json()['job_id']}")).json()["jobs"][0]
    assert job["job_state"] == ["COMPLETED"] and not marker.exists()


# --- runner --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_runner_serves_on_127_0_0_1(tmp_path: Path) -> None:
    port = free_port()
    key = tmp_path / "jwt.key"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jobbergate_agent.devstack.mock_slurmrestd",
            "--port",
            str(port),
            "--profile",
            "24.11",
            "--jwt-key",
            str(key),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            for _ in range(100):
                if key.exists():
                    try:
                        token = jwt.encode(
                            {"sun": "jgalice", "exp": int(time.time()) + 60},
                            key.read_bytes(),
                            algorithm="HS256",
                        )
                        r = await client.get(
                            "/slurm/v0.0.42/jobs/",
                            headers={"X-SLURM-USER-NAME": "jgalice", "X-SLURM-USER-TOKEN": token},
                        )
                        break
                    except httpx.TransportError:
                        pass
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("mock slurmrestd did not start")
        assert r.status_code == 200 and r.json()["meta"]["slurm"]["release"] == "24.11.5"
        assert os.stat(key).st_mode & 0o777 == 0o600  # made at start, private
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_openapi_document_is_the_real_dump(make_mock: Any) -> None:
    mock = make_mock("24.11")
    async with mock.client(headers=headers(mock)) as client:
        r = await client.get("/openapi/v3")
    assert r.status_code == 200
    assert r.json()["info"]["version"] == "Slurm-24.11.5&openapi/slurmctld"
