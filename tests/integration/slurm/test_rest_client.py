"""The slurmrestd client against the lab's real Slurm: every cluster, every REST version."""

from __future__ import annotations

import secrets
import uuid

import pytest

from jobbergate_agent.slurm.errors import (
    SlurmAuthenticationError,
    SlurmJobNotFound,
    SlurmRejected,
    SlurmUnknownUser,
    SlurmVersionError,
)
from jobbergate_agent.slurm.types import JobDescription
from tests.integration.slurm.conftest import read_job_file, wait_for_job

pytestmark = pytest.mark.lab


def job(user: str, script: str, **fields) -> tuple[JobDescription, str]:
    """A small job writing to a file of its own in the user's home; returns (job, pattern)."""
    tag = uuid.uuid4().hex[:10]
    output = f"/home/{user}/jgtest-{tag}-%j.out"
    description = JobDescription(
        script=script,
        name=f"jgtest-{tag}",
        current_working_directory=f"/home/{user}",
        environment={"PATH": "/usr/bin:/bin", "HOME": f"/home/{user}", "USER": user},
        standard_output=output,
        time_limit=5,
        **fields,
    )
    return description, output


def output_of(pattern: str, job_id: int) -> str:
    return pattern.replace("%j", str(job_id))


async def test_negotiated_version_and_ping(cluster_version, make_client):
    cluster, version = cluster_version
    client = make_client(cluster, version)
    assert await client.negotiate() == version
    ping = await client.ping(cluster.users[0])
    assert ping.version == version and ping.responding
    assert client.has_accounting == (version in cluster.slurmdb_versions)


async def test_auto_picks_the_newest_served_version(cluster, make_client):
    client = make_client(cluster, "auto")
    assert await client.negotiate() == max(cluster.rest_versions)


@pytest.mark.parametrize("user_index", [0, 1], ids=["first-user", "second-user"])
async def test_job_runs_as_the_user_of_its_token(cluster_version, make_client, user_index):
    cluster, version = cluster_version
    user = cluster.users[user_index]
    client = make_client(cluster, version)
    description, output = job(user, "#!/bin/sh\nwhoami\n")
    result = await client.submit(user, description)
    record = await wait_for_job(client, user, result.job_id)
    assert record.state == "COMPLETED", record.reason
    assert record.user_name == user
    assert record.exit_code == 0
    assert read_job_file(cluster, output_of(output, result.job_id)).strip() == user


async def test_job_through_the_privileged_token(cluster_version, make_client):
    cluster, version = cluster_version
    user = cluster.users[1]
    client = make_client(
        cluster, version, SLURMRESTD_AUTH_MODE="proxy", SLURMRESTD_PROXY_USER="slurm"
    )
    description, output = job(user, "#!/bin/sh\nwhoami\n")
    result = await client.submit(user, description)
    record = await wait_for_job(client, user, result.job_id)
    assert record.state == "COMPLETED" and record.user_name == user
    assert read_job_file(cluster, output_of(output, result.job_id)).strip() == user


async def test_nonzero_exit_is_failed_with_its_code(cluster_version, make_client):
    cluster, version = cluster_version
    user = cluster.users[0]
    client = make_client(cluster, version)
    description, _ = job(user, "#!/bin/sh\nexit 3\n")
    result = await client.submit(user, description)
    record = await wait_for_job(client, user, result.job_id)
    assert record.state == "FAILED"
    assert record.exit_code == 3


async def test_cancel_a_running_job(cluster_version, make_client):
    cluster, version = cluster_version
    user = cluster.users[0]
    client = make_client(cluster, version)
    description, _ = job(user, "#!/bin/sh\nsleep 120\n")
    result = await client.submit(user, description)
    await wait_for_job(client, user, result.job_id, states={"RUNNING"})
    await client.cancel(user, result.job_id)
    record = await wait_for_job(client, user, result.job_id)
    assert record.state == "CANCELLED"
    await client.cancel(user, result.job_id)  # cancelling a finished job is not an error


async def test_states_of_several_jobs_in_one_call(cluster_version, make_client):
    cluster, version = cluster_version
    user = cluster.users[0]
    client = make_client(cluster, version)
    held, _ = job(user, "#!/bin/sh\ntrue\n", hold=True)
    ids = []
    try:
        for _ in range(2):
            ids.append((await client.submit(user, held)).job_id)
        states = await client.get_job_states(user, [*ids, 999_999])
        assert set(states) == set(ids)
        assert {s.state for s in states.values()} == {"PENDING"}
    finally:
        for job_id in ids:
            await client.cancel(user, job_id)


async def test_invalid_partition_is_rejected_with_slurms_message(cluster_version, make_client):
    cluster, version = cluster_version
    user = cluster.users[0]
    client = make_client(cluster, version)
    description, _ = job(user, "#!/bin/sh\ntrue\n", partition="no-such-partition")
    with pytest.raises(SlurmRejected) as error:
        await client.submit(user, description)
    assert "partition" in str(error.value).lower()
    assert error.value.error_number == 2000


async def test_token_signed_with_another_key_is_refused(cluster_version, make_client, tmp_path):
    cluster, version = cluster_version
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(secrets.token_bytes(32))
    wrong.chmod(0o600)
    client = make_client(cluster, version)
    await client.negotiate()  # probes do not need a valid token
    bad = make_client(cluster, version, SLURMRESTD_JWT_KEY_PATH=wrong)
    with pytest.raises(SlurmAuthenticationError):
        await bad.check_auth(cluster.users[0])
    await client.check_auth(cluster.users[0])


async def test_pinned_version_the_server_lacks(cluster, make_client):
    missing = next(
        v for v in ("v0.0.45", "v0.0.44", "v0.0.40", "v0.0.38") if v not in cluster.rest_versions
    )
    client = make_client(cluster, missing)
    with pytest.raises(SlurmVersionError) as error:
        await client.negotiate()
    message = str(error.value)
    assert f"does not serve {missing}" in message
    for served in cluster.rest_versions:
        assert served in message


async def test_unknown_job_is_not_found(cluster_version, make_client):
    cluster, version = cluster_version
    client = make_client(cluster, version)
    with pytest.raises(SlurmJobNotFound):
        await client.get_job(cluster.users[0], 987_654)


@pytest.mark.parametrize("mode", ["user", "proxy"])
async def test_a_user_slurm_cannot_resolve_is_refused(cluster_version, make_client, mode):
    """No job may run as nobody: 26.05 refuses the submit, older releases accept it as nobody
    and the client cancels it."""
    cluster, version = cluster_version
    client = make_client(cluster, version, SLURMRESTD_AUTH_MODE=mode)
    description, _ = job("jgnosuchuser", "#!/bin/sh\ntrue\n", hold=True)
    description.current_working_directory = "/tmp"
    with pytest.raises(SlurmUnknownUser) as error:
        await client.submit("jgnosuchuser", description)
    assert error.value.user == "jgnosuchuser"
    listed = cluster.run("squeue", "-h", "-u", "nobody", "-t", "PD,R", "-o", "%i")
    assert listed.stdout.strip() == "", f"jobs left running as nobody: {listed.stdout}"
