"""`jg-run check`: one OK/FAIL line per check, exit 0 only when all are OK."""

from __future__ import annotations

import httpx
import pytest

from jobbergate_agent import cli
from jobbergate_agent.commands.check import check
from jobbergate_agent.jobbergate.client import JobbergateClient
from jobbergate_agent.slurm.errors import SlurmConnectionError
from jobbergate_agent.user_mapper.errors import DirectoryUnavailableError
from tests.unit.agent.conftest import make_settings
from tests.unit.agent.fakes import FakeMapper, FakeSlurm


class _Directory:
    where = "ldap://dir.test under dc=test"

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error

    async def check(self) -> None:
        if self.error:
            raise self.error


class _LdapMapper(FakeMapper):
    name = "ldap-cached-mapper"

    def __init__(self, error: Exception | None = None) -> None:
        super().__init__({})
        self.directory = _Directory(error)


async def run_check(mock, tmp_path, *, slurm=None, mapper=None, **settings_changes):
    settings = make_settings(tmp_path / "cache", **settings_changes)
    jobbergate = JobbergateClient(
        settings, transport=httpx.ASGITransport(app=mock.app), retry_backoff=0
    )
    lines: list[str] = []
    code = await check(
        settings=settings,
        jobbergate=jobbergate,
        slurm=slurm or FakeSlurm(),
        mapper=mapper or FakeMapper({}),
        printer=lines.append,
        setup_logging=False,
    )
    return code, lines


async def test_everything_ok(mock, tmp_path):
    code, lines = await run_check(mock, tmp_path, mapper=_LdapMapper())
    assert code == 0
    assert all(line.startswith("OK ") for line in lines), lines
    names = [line.split(":")[0] for line in lines]
    assert names == [
        "OK settings",
        "OK OIDC token",
        "OK Jobbergate API",
        "OK slurmrestd",
        "OK Slurm token",
        "OK accounting",
        "OK user directory",
    ]
    text = "\n".join(lines)
    assert "REST v0.0.42 (Slurm 24.11.1, cluster lab); token mode per-user HS256" in text
    assert "Slurm accepts the agent's token for ubuntu" in text
    assert "every permission the agent needs" in text
    assert "0 active submission(s)" in text
    assert "ldap://dir.test" in text


async def test_wrong_client_secret(mock, tmp_path):
    code, lines = await run_check(mock, tmp_path, OIDC_CLIENT_SECRET="wrong")
    assert code == 1
    token_line = next(line for line in lines if "OIDC token" in line)
    assert token_line.startswith("FAIL OIDC token: ")
    assert "JOBBERGATE_AGENT_OIDC_CLIENT_SECRET" in token_line
    api_line = next(line for line in lines if "Jobbergate API" in line)
    assert api_line.startswith("FAIL Jobbergate API: ")
    assert any(line.startswith("OK slurmrestd: ") for line in lines)  # the others still run


async def test_missing_permission(mock, tmp_path):
    mock.add_client("cluster-a", "mock-secret-a", permissions=("jobbergate:job-submissions:read",))
    code, lines = await run_check(mock, tmp_path)
    assert code == 1
    line = next(line for line in lines if "OIDC token" in line)
    assert line.startswith("FAIL") and "jobbergate:clusters:update" in line


async def test_slurm_refuses_the_token(mock, tmp_path):
    code, lines = await run_check(mock, tmp_path, slurm=FakeSlurm(users=()))
    assert code == 1
    line = next(line for line in lines if "Slurm token" in line)
    assert line.startswith("FAIL Slurm token: ")
    assert "SLURMRESTD_JWT_KEY_PATH" in line and "ubuntu" in line


async def test_proxy_mode_advice(mock, tmp_path):
    _, lines = await run_check(
        mock, tmp_path, slurm=FakeSlurm(users=()), SLURMRESTD_AUTH_MODE="proxy"
    )
    line = next(line for line in lines if "Slurm token" in line)
    assert "SlurmUser" in line and "SLURMRESTD_PROXY_USER" in line


async def test_slurmrestd_unreachable(mock, tmp_path):
    slurm = FakeSlurm()
    slurm.fail_next("negotiate", SlurmConnectionError("connection refused to 127.0.0.1:6820"))
    code, lines = await run_check(mock, tmp_path, slurm=slurm)
    assert code == 1
    line = next(line for line in lines if line.split(":")[0].endswith("slurmrestd"))
    assert line.startswith("FAIL slurmrestd: connection refused")
    assert "is slurmrestd running" in line
    assert not any("Slurm token" in line for line in lines)  # nothing to prove without it


async def test_directory_unreachable(mock, tmp_path):
    error = DirectoryUnavailableError("ldap://dir.test:636 did not answer within 10 s")
    code, lines = await run_check(mock, tmp_path, mapper=_LdapMapper(error))
    assert code == 1
    assert lines[-1].startswith("FAIL user directory: ldap://dir.test:636 did not answer")


async def test_single_user_mapping_line(mock, tmp_path):
    from jobbergate_agent.agent.components import _SingleUser

    mapper = _SingleUser(make_settings(tmp_path, SINGLE_USER_SUBMITTER="jobs"))
    code, lines = await run_check(mock, tmp_path, mapper=mapper)
    assert code == 0 and lines[-1] == "OK user mapping: _SingleUser: every submission runs as jobs"


def test_a_bad_setting_is_one_line_without_traceback(monkeypatch, capsys):
    monkeypatch.setenv("JOBBERGATE_AGENT_TASK_JOBS_INTERVAL_SECONDS", "0")
    assert cli.main(["check"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "jg-run: configuration error: JOBBERGATE_AGENT_TASK_JOBS_INTERVAL_SECONDS"
    )
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["check", "--help"]])
def test_help(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: jg-run")
    if argv[0] == "run":
        assert "--once" in out and "SIGTERM" in out
