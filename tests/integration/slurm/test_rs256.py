"""A cluster configured with both jwt_key= and jwks= accepts the agent's RS256 tokens."""

from __future__ import annotations

import pytest

from tests.integration.slurm.conftest import CLUSTERS, private_copy, read_job_file, wait_for_job
from tests.integration.slurm.test_rest_client import job, output_of

pytestmark = pytest.mark.lab

RS256 = [c for c in CLUSTERS if c.rs256]


def test_the_lab_has_an_rs256_cluster():
    assert RS256, "no lab cluster is configured with jwks="


@pytest.mark.parametrize("rs_cluster", RS256, ids=[c.name for c in RS256])
async def test_rs256_token_is_accepted_for_submit(rs_cluster, make_client, tmp_path):
    cluster = rs_cluster
    from pathlib import Path

    user = cluster.users[0]
    (tmp_path / "rs256").mkdir()
    key = private_copy(Path(cluster.rs256["private_key"]), tmp_path / "rs256")
    client = make_client(
        cluster,
        max(cluster.rest_versions),
        SLURMRESTD_JWT_ALGORITHM="RS256",
        SLURMRESTD_JWT_KEY_PATH=key,
        SLURMRESTD_JWT_KID=cluster.rs256["kid"],
    )
    description, output = job(user, "#!/bin/sh\nwhoami\n")
    result = await client.submit(user, description)
    record = await wait_for_job(client, user, result.job_id)
    assert record.state == "COMPLETED"
    assert read_job_file(cluster, output_of(output, result.job_id)).strip() == user
