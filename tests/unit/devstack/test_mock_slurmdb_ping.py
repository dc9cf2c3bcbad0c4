"""The mock serves the slurmdbd ping the agent probes to detect accounting."""

from jobbergate_agent.devstack.mock_slurmrestd import MockSlurmrestd
from tests.unit.devstack.helpers import KEY, headers


async def test_mock_26_05_answers_the_slurmdb_ping_the_agent_probes():
    # The real 26.05.5 answers GET /slurmdb/v0.0.45/ping/ with 200 (lab, 2026-12-04); the
    # agent's data_parser adapters probe exactly that path to detect accounting.
    mock = MockSlurmrestd(KEY, "26.05")
    async with mock.client() as client:
        response = await client.get("/slurmdb/v0.0.45/ping/", headers=headers(mock))
    assert response.status_code == 200


async def test_mock_24_11_has_no_slurmdb_paths():
    mock = MockSlurmrestd(KEY, "24.11")
    async with mock.client() as client:
        response = await client.get("/slurmdb/v0.0.42/ping/", headers=headers(mock))
    assert response.status_code == 404
