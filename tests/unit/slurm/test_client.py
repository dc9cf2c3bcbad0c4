"""The client against a respx slurmrestd: discovery, tokens per request, operations."""

from __future__ import annotations

import httpx
import pytest
import respx

from jobbergate_agent.slurm.client import SlurmClient
from jobbergate_agent.slurm.errors import (
    SlurmAuthenticationError,
    SlurmEndpointNotServed,
    SlurmRejected,
    SlurmUnknownUser,
    SlurmVersionError,
)
from jobbergate_agent.slurm.tokens import TokenMinter, UserTokens
from jobbergate_agent.slurm.transport import Transport
from jobbergate_agent.slurm.types import JobDescription

BASE = "http://rest.test"
NOT_FOUND = httpx.Response(404, text="Unable to find requested URL endpoint.")


def serve(versions: list[str], slurmdb: bool = False) -> None:
    """Route ping (and slurmdb ping) for `versions`; other versions' probes get a 404."""
    for version in versions:
        respx.get(f"{BASE}/slurm/{version}/ping/").mock(
            return_value=httpx.Response(
                200, json={"pings": [{"hostname": "c1", "responding": True}]}
            )
        )
        if slurmdb:
            respx.get(f"{BASE}/slurmdb/{version}/ping/").mock(
                return_value=httpx.Response(200, json={"pings": []})
            )
    # every other version's probe paths are unknown, as on a real server
    respx.get(url__regex=rf"{BASE}/slurm(db)?/v0\.0\.\d+/(ping|diag)/").mock(return_value=NOT_FOUND)


def client(version: str = "auto") -> SlurmClient:
    tokens = UserTokens(TokenMinter(b"k" * 32))
    return SlurmClient(
        Transport(BASE, backoff_base=0.001), tokens, version=version, probe_user="jgalice"
    )


@respx.mock
async def test_auto_picks_the_newest_common_version():
    serve(["v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45"], slurmdb=True)
    c = client()
    assert await c.negotiate() == "v0.0.45"
    assert c.has_accounting


@respx.mock
async def test_auto_on_22_05_picks_v0_0_38_without_accounting():
    serve(["v0.0.36", "v0.0.37", "v0.0.38"])
    c = client()
    assert await c.negotiate() == "v0.0.38"
    assert not c.has_accounting


@respx.mock
async def test_pinned_version_not_served_lists_what_is():
    serve(["v0.0.40", "v0.0.41", "v0.0.42"])
    with pytest.raises(SlurmVersionError) as error:
        await client("v0.0.44").negotiate()
    message = str(error.value)
    assert "does not serve v0.0.44" in message
    assert "v0.0.42, v0.0.41, v0.0.40" in message


@respx.mock
async def test_server_with_only_unknown_versions():
    serve(["v0.0.36"])
    with pytest.raises(SlurmVersionError, match="serves no REST version the agent speaks"):
        await client().negotiate()


@respx.mock
async def test_submit_sends_the_users_token_and_reads_warnings():
    serve(["v0.0.44"])
    route = respx.post(f"{BASE}/slurm/v0.0.44/job/submit").mock(
        return_value=httpx.Response(
            200,
            json={
                "job_id": 42,
                "step_id": "batch",
                "job_submit_user_msg": "",
                "warnings": [{"description": "Ignoring unknown field"}],
                "errors": [],
            },
        )
    )
    respx.get(f"{BASE}/slurm/v0.0.44/job/42").mock(
        return_value=httpx.Response(
            200, json={"jobs": [{"job_id": 42, "user_name": "jgbob", "job_state": ["PENDING"]}]}
        )
    )
    c = client()
    result = await c.submit(
        "jgbob",
        JobDescription(
            script="#!/bin/sh\ntrue",
            name="t",
            environment={"PATH": "/bin"},
            current_working_directory="/tmp",
        ),
    )
    assert result.job_id == 42 and result.warnings == ["Ignoring unknown field"]
    request = route.calls.last.request
    assert request.headers["x-slurm-user-name"] == "jgbob"
    import json

    body = json.loads(request.content)
    assert body["job"]["environment"] == ["PATH=/bin"]
    assert body["job"]["script"].startswith("#!/bin/sh")


@respx.mock
async def test_refused_token_is_renewed_and_tried_once_more():
    serve(["v0.0.44"])
    refused = httpx.Response(511, json={"errors": [{"error_number": 1007}]})
    route = respx.get(f"{BASE}/slurm/v0.0.44/job/7").mock(side_effect=[refused, refused])
    c = client()
    with pytest.raises(SlurmAuthenticationError):
        await c.get_job("jgalice", 7)
    assert route.call_count == 2


@respx.mock
async def test_rejected_submit_carries_slurms_message():
    serve(["v0.0.44"])
    respx.post(f"{BASE}/slurm/v0.0.44/job/submit").mock(
        return_value=httpx.Response(
            500,
            json={
                "errors": [
                    {
                        "error_number": 2000,
                        "error": "Invalid partition name specified",
                        "description": "Job submission failed",
                    }
                ]
            },
        )
    )
    with pytest.raises(SlurmRejected, match="Invalid partition name specified"):
        await client().submit("jgalice", JobDescription(script="x", partition="nope"))


@respx.mock
async def test_job_states_in_one_request():
    serve(["v0.0.44"])
    route = respx.get(f"{BASE}/slurm/v0.0.44/jobs/state/").mock(
        return_value=httpx.Response(
            200,
            json={
                "jobs": [
                    {"job_id": "1", "state": ["RUNNING"]},
                    {"job_id": "2", "state": ["COMPLETED"]},
                    {"job_id": "3_[1-2]", "state": ["PENDING"]},
                ]
            },
        )
    )
    states = await client().get_job_states("jgalice", [2, 1, 9])
    assert {k: v.state for k, v in states.items()} == {1: "RUNNING", 2: "COMPLETED"}
    assert route.call_count == 1
    assert route.calls.last.request.url.params.get_list("job_id") == ["1", "2", "9"]


@respx.mock
async def test_job_states_from_the_listing_on_v0_0_38():
    serve(["v0.0.38"])
    route = respx.get(f"{BASE}/slurm/v0.0.38/jobs/").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "jobs": [
                        {"job_id": 1, "job_state": "RUNNING"},
                        {"job_id": 2, "job_state": "PENDING"},
                    ]
                },
            ),
            # nothing changed since: 22.05 answers 304 with no body, the previous picture holds
            httpx.Response(304),
        ]
    )
    c = client()
    first = await c.get_job_states("jgalice", [1, 2, 3])
    assert {k: v.state for k, v in first.items()} == {1: "RUNNING", 2: "PENDING"}
    second = await c.get_job_states("jgalice", [1, 2])
    assert {k: v.state for k, v in second.items()} == {1: "RUNNING", 2: "PENDING"}
    assert route.call_count == 2
    assert int(route.calls.last.request.url.params["update_time"]) > 0


@respx.mock
async def test_cancel_of_a_finished_job_is_not_an_error():
    serve(["v0.0.44"])
    respx.delete(f"{BASE}/slurm/v0.0.44/job/5").mock(
        return_value=httpx.Response(
            500, json={"errors": [{"error_number": 2021, "error": "Job/step already completing"}]}
        )
    )
    await client().cancel("jgalice", 5)


@respx.mock
async def test_accounting_lookup_without_slurmdb_is_typed():
    serve(["v0.0.42"])
    c = client()
    await c.negotiate()
    with pytest.raises(SlurmEndpointNotServed):
        await c.get_accounting_job("jgalice", 5)


@respx.mock
async def test_accounting_lookup_of_an_unknown_job_is_none():
    serve(["v0.0.44"], slurmdb=True)
    respx.get(f"{BASE}/slurmdb/v0.0.44/job/5").mock(
        return_value=httpx.Response(200, json={"jobs": [], "errors": []})
    )
    assert await client().get_accounting_job("jgalice", 5) is None


@respx.mock
async def test_v0_0_38_spells_a_refused_token_as_error_minus_one():
    """22.05's slurmctld drops the connection on a bad token: slurmrestd says -1 or 5005."""
    serve(["v0.0.38"])
    respx.get(f"{BASE}/slurm/v0.0.38/jobs/").mock(
        return_value=httpx.Response(
            500,
            json={
                "errors": [
                    {
                        "description": "Failed while looking for jobs",
                        "error_number": -1,
                        "error": "Unspecified error",
                        "source": "slurm_load_jobs",
                    }
                ]
            },
        )
    )
    respx.post(f"{BASE}/slurm/v0.0.38/job/submit").mock(
        return_value=httpx.Response(
            500,
            json={
                "errors": [{"error_code": 5005, "error": "Zero Bytes were transmitted or received"}]
            },
        )
    )
    c = client()
    with pytest.raises(SlurmAuthenticationError):
        await c.check_auth("jgalice")
    with pytest.raises(SlurmAuthenticationError):
        await c.submit("jgalice", JobDescription(script="x"))


@respx.mock
async def test_check_auth_accepts_not_modified():
    serve(["v0.0.38"])
    respx.get(f"{BASE}/slurm/v0.0.38/jobs/").mock(return_value=httpx.Response(304))
    await client().check_auth("jgalice")


@respx.mock
async def test_a_job_that_would_run_as_nobody_is_cancelled_and_refused():
    """Up to 25.x Slurm runs a job for an unresolvable user as nobody."""
    serve(["v0.0.42"])
    respx.post(f"{BASE}/slurm/v0.0.42/job/submit").mock(
        return_value=httpx.Response(200, json={"job_id": 7, "errors": []})
    )
    respx.get(f"{BASE}/slurm/v0.0.42/job/7").mock(
        return_value=httpx.Response(
            200, json={"jobs": [{"job_id": 7, "user_name": "nobody", "job_state": ["PENDING"]}]}
        )
    )
    cancel = respx.delete(f"{BASE}/slurm/v0.0.42/job/7").mock(
        return_value=httpx.Response(200, json={"errors": []})
    )
    with pytest.raises(SlurmUnknownUser) as error:
        await client().submit("ghost", JobDescription(script="x"))
    assert error.value.user == "ghost" and "no such account" in str(error.value)
    assert cancel.called


@respx.mock
async def test_26_05_refusal_of_an_unknown_user_is_typed():
    serve(["v0.0.45"])
    respx.post(f"{BASE}/slurm/v0.0.45/job/submit").mock(
        return_value=httpx.Response(
            500,
            json={
                "errors": [
                    {
                        "error_number": 6010,
                        "description": "Batch job submission failed",
                        "error": "Rejecting authentication of user nobody or group nobody",
                    }
                ]
            },
        )
    )
    with pytest.raises(SlurmUnknownUser):
        await client().submit("ghost", JobDescription(script="x"))


@respx.mock
async def test_v0_0_38_parse_failure_is_not_an_authentication_error():
    """A 400 carrying -1 is the request's own fault (22.05 parse failure), not the token."""
    serve(["v0.0.38"])
    route = respx.post(f"{BASE}/slurm/v0.0.38/job/submit").mock(
        return_value=httpx.Response(
            400,
            json={
                "errors": [
                    {"error_number": 2054, "error": "Invalid SIGNAL specification"},
                    {"error_number": -1, "error": "Unspecified error"},
                    {"error_number": 9001, "error": "Failure during parsing"},
                ]
            },
        )
    )
    with pytest.raises(SlurmRejected) as error:
        await client().submit("jgalice", JobDescription(script="x"))
    assert not isinstance(error.value, SlurmAuthenticationError)
    assert route.call_count == 1  # not retried as a refused token would be
