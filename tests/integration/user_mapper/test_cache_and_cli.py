"""The cache in front of a real slapd, and the `jg-run users` commands against it."""

from __future__ import annotations

import pytest
from ldap3 import Connection, Server

from jobbergate_agent.cli import main
from jobbergate_agent.settings import ENV_PREFIX, load_settings
from jobbergate_agent.user_mapper import UnmappableUserError, UserNotFoundError
from jobbergate_agent.user_mapper.ldap import LDAPCachedMapper
from tests.integration.user_mapper.conftest import slapd_settings_for

pytestmark = pytest.mark.ldap


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def add_person(server, username: str, mail: str) -> None:
    connection = Connection(
        Server("127.0.0.1", port=server.port),
        server.admin_dn,
        server.admin_password,
        auto_bind=True,
    )
    connection.add(
        f"uid={username},{server.search_base}",
        ["inetOrgPerson", "posixAccount"],
        {
            "uid": username,
            "cn": username,
            "sn": username,
            "mail": mail,
            "uidNumber": 5000,
            "gidNumber": 5000,
            "homeDirectory": f"/home/{username}",
        },
    )
    assert connection.result["result"] == 0, connection.result
    connection.unbind()


async def test_cache_hit_needs_no_directory_and_survives_restarts(own_slapd):
    settings = slapd_settings_for(own_slapd)
    async with LDAPCachedMapper(settings) as mapper:
        assert (await mapper.lookup("alice@example.com")).source == "directory"
    own_slapd.stop()
    # a new mapper (a restarted agent) answers from the file while the directory is down
    async with LDAPCachedMapper(settings) as mapper:
        result = await mapper.lookup("ALICE@example.com")
        assert (result.username, result.source) == ("alice", "cache")
        assert own_slapd.uri in result.detail


async def test_cache_entry_expires(slapd):
    clock = Clock()
    settings = slapd_settings_for(slapd, LDAP_CACHE_TTL_SECONDS=600)
    async with LDAPCachedMapper(settings, clock=clock) as mapper:
        assert (await mapper.lookup("alice@example.com")).source == "directory"
        clock.now += 599
        assert (await mapper.lookup("alice@example.com")).source == "cache"
        clock.now += 2
        assert (await mapper.lookup("alice@example.com")).source == "directory"
        [entry] = mapper.cache.entries()
        assert entry.fetched_at == clock.now and entry.expires_at == clock.now + 600


async def test_negative_entry_then_new_account_found_after_short_ttl(own_slapd):
    clock = Clock()
    settings = slapd_settings_for(own_slapd, LDAP_NEGATIVE_CACHE_TTL_SECONDS=60)
    async with LDAPCachedMapper(settings, clock=clock) as mapper:
        with pytest.raises(UserNotFoundError):
            await mapper.username_for("newbie@example.com")
        add_person(own_slapd, "newbie", "newbie@example.com")
        # still the cached "no such person", and the rejection says it is a cached answer
        with pytest.raises(UnmappableUserError) as caught:
            await mapper.username_for("newbie@example.com")
        assert "cached answer" in str(caught.value) and "newbie@example.com" in str(caught.value)
        assert own_slapd.uri in str(caught.value)
        clock.now += 61
        assert await mapper.username_for("newbie@example.com") == "newbie"


@pytest.fixture
def cli_env(monkeypatch, slapd):
    settings = slapd_settings_for(slapd)
    for name in (
        "SLURM_USER_MAPPER",
        "LDAP_URI",
        "LDAP_AUTH_TYPE",
        "LDAP_USERNAME",
        "LDAP_SEARCH_BASE",
        "LDAP_USERNAME_ATTRIBUTE",
    ):
        monkeypatch.setenv(f"{ENV_PREFIX}{name}", str(getattr(settings, name)))
    monkeypatch.setenv(f"{ENV_PREFIX}LDAP_PASSWORD", slapd.reader_password)
    load_settings.cache_clear()
    return monkeypatch


def test_cli_lookup_list_forget(cli_env, capsys):
    assert main(["users", "lookup", "alice@example.com"]) == 0
    out = capsys.readouterr().out
    assert "alice@example.com -> alice" in out and "from: directory" in out

    assert main(["users", "lookup", "Alice@Example.com"]) == 0
    assert "from: cache" in capsys.readouterr().out

    assert main(["users", "lookup", "nobody@example.com"]) == 1
    assert "nobody@example.com" in capsys.readouterr().err

    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "2 cached mapping(s)" in out
    assert "alice@example.com" in out and "(no account)" in out and "nobody@example.com" in out

    assert main(["users", "forget", "ALICE@example.com"]) == 0
    assert "forgot alice@example.com" in capsys.readouterr().out
    assert main(["users", "forget", "alice@example.com"]) == 1
    assert main(["users", "lookup", "alice@example.com"]) == 0
    assert "from: directory" in capsys.readouterr().out

    assert main(["users", "forget", "--all"]) == 0
    assert "forgot 2 cached mapping(s)" in capsys.readouterr().out
    assert main(["users", "list"]) == 0
    assert "0 cached mapping(s)" in capsys.readouterr().out


def test_cli_lookup_no_cache_asks_the_directory(cli_env, capsys):
    assert main(["users", "lookup", "multi@example.com"]) == 0
    assert main(["users", "lookup", "--no-cache", "multi@example.com"]) == 0
    assert "from: directory" in capsys.readouterr().out.split("multi@example.com ->")[-1]


def test_cli_wrong_password_exits_2(cli_env, capsys):
    cli_env.setenv(f"{ENV_PREFIX}LDAP_PASSWORD", "Wrong-Password-99")
    load_settings.cache_clear()
    assert main(["users", "lookup", "alice@example.com"]) == 2
    err = capsys.readouterr().err
    assert "invalidCredentials" in err and "Wrong-Password-99" not in err


def test_cli_directory_down_exits_3(cli_env, capsys, own_slapd):
    cli_env.setenv(f"{ENV_PREFIX}LDAP_URI", own_slapd.uri)
    load_settings.cache_clear()
    own_slapd.stop()
    assert main(["users", "lookup", "alice@example.com"]) == 3
    assert "directory unavailable" in capsys.readouterr().err
