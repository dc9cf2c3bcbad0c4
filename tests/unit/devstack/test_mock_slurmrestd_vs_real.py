"""The mock slurmrestd answers the lab's requests as the real servers did.

The same requests as tests/fixtures/slurmrestd/capture.py are sent to the mock with the matching
profile; each answer must have the real one's HTTP status, its key structure all the way down
(for job records: every field of the version, nested objects included), the same JSON type for
every job field, and for errors and warnings the same numbers and texts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from .helpers import FakeClock, headers, key_shape, shape_differences, submit_body, vnum

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slurmrestd"
CASES = [
    ("22.05", "22.05.8", "v0.0.38"),
    ("24.11", "24.11.5", "v0.0.40"),
    ("24.11", "24.11.5", "v0.0.41"),
    ("24.11", "24.11.5", "v0.0.42"),
    ("26.05", "26.05.5", "v0.0.42"),
    ("26.05", "26.05.5", "v0.0.43"),
    ("26.05", "26.05.5", "v0.0.44"),
    ("26.05", "26.05.5", "v0.0.45"),
]
# answers whose error and warning items must match the real ones exactly
EXACT_MESSAGES = {
    "submit",
    "submit-invalid-partition",
    "submit-unknown-key",
    "submit-no-script",
    "submit-environment-list",
    "submit-job-script",
    "submit-unknown-field",
    "submit-no-environment",
    "submit-no-cwd",
    "submit-empty-script",
    "submit-job-and-jobs",
    "auth-bad-token",
    "auth-expired-token",
    "auth-impersonate-denied",
    "auth-bad-token-ping",
    "job-not-found",
    "cancel-not-found",
    "jobs-update-time-none",
    "jobs-update-time-since",
    "slurmdb-job-unknown",
}


async def scenario(mock: Any, clock: FakeClock, version: str) -> dict[str, httpx.Response]:
    """capture.py's requests, on the mock's clock."""
    n = vnum(version)
    out: dict[str, httpx.Response] = {}
    p = f"/slurm/{version}"
    async with mock.client(headers=headers(mock)) as c:
        out["ping"] = await c.get(f"{p}/ping/")
        out["submit"] = await c.post(f"{p}/job/submit", json=submit_body(version, hold=True))
        held = out["submit"].json()["job_id"]
        out["job-pending"] = await c.get(f"{p}/job/{held}")
        r = await c.post(f"{p}/job/submit", json=submit_body(version, "#!/bin/sh\nsleep 60\n"))
        out["submit-running"], running = r, r.json()["job_id"]
        clock.advance(1.5)
        out["job-running"] = await c.get(f"{p}/job/{running}")
        out["jobs"] = await c.get(f"{p}/jobs/")
        since = int(clock.now) + 1
        clock.advance(1.2)
        out["jobs-update-time-none"] = await c.get(f"{p}/jobs/?update_time={since}")
        out["jobs-update-time-since"] = await c.get(f"{p}/jobs/?update_time={since - 3600}")
        if n >= 40:
            out["jobs-update-time-now"] = await c.get(f"{p}/jobs/?update_time=now")
            out["jobs-state"] = await c.get(f"{p}/jobs/state/?job_id={held}&job_id={running}")
            out["jobs-state-comma"] = await c.get(f"{p}/jobs/state/?job_id={held},{running}")
            out["jobs-state-unknown"] = await c.get(f"{p}/jobs/state/?job_id=999999")
        out["cancel"] = await c.delete(f"{p}/job/{running}")
        out["job-cancelled"] = await c.get(f"{p}/job/{running}")
        await c.delete(f"{p}/job/{held}")
        r = await c.post(f"{p}/job/submit", json=submit_body(version, "#!/bin/sh\necho hi\n"))
        out["submit-completed"], done = r, r.json()["job_id"]
        r = await c.post(f"{p}/job/submit", json=submit_body(version, "#!/bin/sh\nexit 3\n"))
        out["submit-failed"], failed = r, r.json()["job_id"]
        clock.advance(4)
        out["job-completed"] = await c.get(f"{p}/job/{done}")
        out["job-failed"] = await c.get(f"{p}/job/{failed}")
        out["cancel-done"] = await c.delete(f"{p}/job/{done}")
        out["job-not-found"] = await c.get(f"{p}/job/999999")
        out["cancel-not-found"] = await c.delete(f"{p}/job/999999")
        submit = f"{p}/job/submit"
        out["submit-invalid-partition"] = await c.post(
            submit, json=submit_body(version, partition="nosuchpart")
        )
        if n <= 38:
            out["submit-unknown-key"] = await c.post(
                submit, json=submit_body(version, nosuchfield=1)
            )
            body = submit_body(version)
            body.pop("script")
            out["submit-no-script"] = await c.post(submit, json=body)
            body = submit_body(version, environment=["PATH=/bin"])
            out["submit-environment-list"] = await c.post(submit, json=body)
            body = submit_body(version)
            body["job"]["script"] = "#!/bin/sh\nexit 0\n"
            out["submit-job-script"] = await c.post(submit, json=body)
        else:
            out["submit-unknown-field"] = await c.post(
                submit, json=submit_body(version, nosuchfield=1)
            )
            out["submit-no-environment"] = await c.post(
                submit, json=submit_body(version, environment=[])
            )
            body = submit_body(version)
            body["job"].pop("current_working_directory")
            out["submit-no-cwd"] = await c.post(submit, json=body)
            body = submit_body(version)
            body["job"].pop("script")
            out["submit-no-script"] = await c.post(submit, json=body)
            out["submit-empty-script"] = await c.post(submit, json=submit_body(version, script=""))
            body = submit_body(version)
            body["jobs"] = [body["job"]]
            out["submit-job-and-jobs"] = await c.post(submit, json=body)
        async with mock.client() as anonymous:
            out["auth-none"] = await anonymous.get(f"{p}/jobs/")
        now = int(clock.now)
        garbage = jwt.encode(
            {"sun": "jgalice", "iat": now, "exp": now + 600}, b"not-the-key-" * 3, algorithm="HS256"
        )
        bad = {"X-SLURM-USER-NAME": "jgalice", "X-SLURM-USER-TOKEN": garbage}
        out["auth-bad-token"] = await c.get(f"{p}/jobs/", headers=bad)
        out["auth-bad-token-ping"] = await c.get(f"{p}/ping/", headers=bad)
        expired = jwt.encode({"sun": "jgalice", "iat": 1, "exp": 2}, mock.jwt_key, "HS256")
        out["auth-expired-token"] = await c.get(
            f"{p}/jobs/", headers={"X-SLURM-USER-NAME": "jgalice", "X-SLURM-USER-TOKEN": expired}
        )
        out["auth-impersonate-denied"] = await c.get(
            f"{p}/jobs/", headers=headers(mock, "jgalice", as_user="jgbob")
        )
        proxy = headers(mock, "slurm", as_user="jgbob")
        r = await c.post(submit, json=submit_body(version), headers=proxy)
        out["submit-as-proxy"] = r
        assert r.status_code == 200, r.text
        clock.advance(4)
        out["job-proxy"] = await c.get(f"{p}/job/{r.json()['job_id']}", headers=proxy)
        out["unknown-path"] = await c.get(f"{p}/nosuchthing/")
        clock.advance(mock.store.min_job_age + 1)
        out["job-purged"] = await c.get(f"{p}/job/{done}")
        if version in mock.profile.slurmdb_versions:
            db = f"/slurmdb/{version}"
            out["slurmdb-job"] = await c.get(f"{db}/job/{done}")
            out["slurmdb-job-failed"] = await c.get(f"{db}/job/{failed}")
            out["slurmdb-job-unknown"] = await c.get(f"{db}/job/999999")
            out["slurmdb-jobs"] = await c.get(f"{db}/jobs/?users=jgalice")
    return out


def real(release: str, version: str, name: str) -> tuple[dict[str, Any], Any]:
    folder = FIXTURES / release / version
    entry = json.loads((folder / "index.json").read_text())[name]
    path = folder / f"{name}.json"
    body = json.loads(path.read_text()) if path.exists() else (folder / f"{name}.txt").read_text()
    return entry, body


def messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Error and warning items without what changes between runs (job ids, times)."""
    items = list(body.get("errors") or []) + list(body.get("warnings") or [])
    cleaned = []
    for item in items:
        item = dict(item)
        if isinstance(item.get("description"), str):
            text = item["description"].split("update_time[", 1)[0]
            item["description"] = re.sub(r"\d{3,}", "N", text)
        cleaned.append(item)
    return cleaned


def json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else type(value).__name__


_ANSWERS: dict[tuple[str, str, str], Any] = {}


@pytest.fixture(params=CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
async def answers(request: pytest.FixtureRequest, make_mock: Any, clock: FakeClock) -> Any:
    """The scenario's answers, computed once per case (they are only read)."""
    profile, release, version = request.param
    if request.param not in _ANSWERS:
        mock = make_mock(profile, min_job_age=5)
        _ANSWERS[request.param] = (release, version, await scenario(mock, clock, version))
    return _ANSWERS[request.param]


async def test_every_captured_answer_is_reproduced(answers: Any) -> None:
    release, version, got = answers
    captured = json.loads((FIXTURES / release / version / "index.json").read_text())
    assert sorted(set(captured) - set(got)) == []


async def test_status_connection_and_content_type_match(answers: Any) -> None:
    release, version, got = answers
    wrong = {}
    for name, response in got.items():
        entry, _ = real(release, version, name)
        mine = (
            response.status_code,
            response.headers.get("connection"),
            response.headers.get("content-type", "").split(";")[0],
        )
        theirs = (entry["status"], entry["connection"], entry["content_type"])
        if (
            mine[0] != theirs[0]
            or (mine[1] or "").lower() != (theirs[1] or "").lower()
            or (theirs[2] and mine[2] != theirs[2])
        ):
            wrong[name] = (mine, theirs)
    assert wrong == {}


async def test_bodies_have_the_real_key_structure(answers: Any) -> None:
    release, version, got = answers
    differences = {}
    for name, response in got.items():
        _, body = real(release, version, name)
        if isinstance(body, str):
            assert response.text == body, name
            continue
        found = shape_differences(key_shape(response.json()), key_shape(body))
        if found:
            differences[name] = found[:5]
    assert differences == {}


async def test_job_fields_have_the_real_types(answers: Any) -> None:
    release, version, got = answers
    wrong = {}
    for name in (
        "job-pending",
        "job-running",
        "job-cancelled",
        "job-completed",
        "job-failed",
        "slurmdb-job",
        "slurmdb-job-failed",
    ):
        if name not in got:
            continue
        mine = got[name].json()["jobs"][0]
        theirs = real(release, version, name)[1]["jobs"][0]
        for key, value in theirs.items():
            if json_type(mine.get(key)) != json_type(value):
                wrong[f"{name}/{key}"] = (mine.get(key), value)
    assert wrong == {}


async def test_errors_and_warnings_say_what_the_real_ones_say(answers: Any) -> None:
    release, version, got = answers
    wrong = {}
    for name in sorted(EXACT_MESSAGES & set(got)):
        _, body = real(release, version, name)
        if not isinstance(body, dict):
            continue
        if messages(got[name].json()) != messages(body):
            wrong[name] = (messages(got[name].json()), messages(body))
    assert wrong == {}


async def test_states_and_exit_codes_match(answers: Any) -> None:
    release, version, got = answers
    for name in ("job-pending", "job-running", "job-completed", "job-failed"):
        mine = got[name].json()["jobs"][0]
        theirs = real(release, version, name)[1]["jobs"][0]
        for key in (
            "job_state",
            "state_reason",
            "exit_code",
            "derived_exit_code",
            "nodes",
            "time_limit",
            "standard_input",
        ):
            if key == "nodes":
                assert bool(mine[key]) == bool(theirs[key]), (name, key)
            else:
                assert mine[key] == theirs[key], (name, key)
    cancelled = got["job-cancelled"].json()["jobs"][0]
    assert "CANCELLED" in (
        cancelled["job_state"] if vnum(version) >= 40 else [cancelled["job_state"]]
    )
