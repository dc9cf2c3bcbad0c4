"""A job slurmctld has purged is still found, with its true end, through slurmdbd."""

from __future__ import annotations

import asyncio

import pytest

from jobbergate_agent.slurm.errors import SlurmJobNotFound
from tests.integration.slurm.conftest import CLUSTERS, wait_for_job
from tests.integration.slurm.test_rest_client import job

pytestmark = pytest.mark.lab

ACCOUNTING = [(c, v) for c in CLUSTERS for v in c.slurmdb_versions]


@pytest.mark.parametrize("pair", ACCOUNTING, ids=[f"{c.name}/{v}" for c, v in ACCOUNTING])
async def test_purged_job_is_found_in_slurmdbd(pair, make_client):
    cluster, version = pair
    user = cluster.users[0]
    client = make_client(cluster, version)
    description, _ = job(user, "#!/bin/sh\nexit 3\n")
    result = await client.submit(user, description)
    await wait_for_job(client, user, result.job_id)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + cluster.min_job_age + 60
    while True:  # slurmctld forgets it MinJobAge (plus a purge cycle) after the end
        try:
            await client.get_job(user, result.job_id)
        except SlurmJobNotFound:
            break
        assert loop.time() < deadline, "slurmctld never purged the job"
        await asyncio.sleep(1)
    record = await client.get_accounting_job(user, result.job_id)
    assert record is not None and record.source == "slurmdbd"
    assert record.state == "FAILED" and record.exit_code == 3
    assert record.user_name == user
    assert await client.get_accounting_job(user, 987_654) is None


def test_the_lab_has_an_accounting_cluster():
    assert ACCOUNTING, "no lab cluster serves /slurmdb paths"
