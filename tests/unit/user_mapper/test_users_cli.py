"""`jg-run users` without a directory: single-user lookups and the cache file on its own."""

from __future__ import annotations

from jobbergate_agent.cli import main
from jobbergate_agent.settings import ENV_PREFIX, load_settings
from jobbergate_agent.user_mapper.cache import UserCache, cache_path


def test_lookup_with_the_single_user_mapper(monkeypatch, capsys):
    monkeypatch.setenv(f"{ENV_PREFIX}SINGLE_USER_SUBMITTER", "jobs")
    load_settings.cache_clear()
    assert main(["users", "lookup", "jane@example.com"]) == 0
    out = capsys.readouterr().out
    assert "jane@example.com -> jobs" in out and "from: single-user-mapper" in out


def test_ldap_mapper_misconfigured_exits_2_naming_the_setting(monkeypatch, capsys):
    monkeypatch.setenv(f"{ENV_PREFIX}SLURM_USER_MAPPER", "ldap-cached-mapper")
    load_settings.cache_clear()
    assert main(["users", "lookup", "jane@example.com"]) == 2
    assert "JOBBERGATE_AGENT_LDAP_URI" in capsys.readouterr().err


def test_list_and_forget_without_a_cache(capsys):
    assert main(["users", "list"]) == 0
    assert "no cache yet" in capsys.readouterr().out
    assert main(["users", "forget", "--all"]) == 0
    assert main(["users", "forget", "a@example.com"]) == 1


def test_list_and_forget_a_cache(capsys):
    cache = UserCache(cache_path(load_settings().CACHE_DIR), 100, 10)
    cache.put_hit("alice@example.com", "alice", "as mail=alice@example.com at ldap://x")
    cache.put_miss("nobody@example.com", "no enabled directory entry", "at ldap://x", now=0)
    assert main(["users", "list"]) == 0
    out = capsys.readouterr().out
    assert "2 cached mapping(s)" in out
    alice = next(line for line in out.splitlines() if line.startswith("alice@"))
    nobody = next(line for line in out.splitlines() if line.startswith("nobody@"))
    assert "alice" in alice.split()[1] and "fresh" in alice
    assert "(no account)" in nobody and "expired" in nobody
    assert "why: no enabled directory entry" in out

    assert main(["users", "forget", "Nobody@Example.com"]) == 0
    assert [e.email for e in cache.entries()] == ["alice@example.com"]
    assert main(["users", "forget", "nobody@example.com"]) == 1
    assert "not in the cache" in capsys.readouterr().err
    assert main(["users", "forget", "--all"]) == 0
    assert "forgot 1 cached mapping(s)" in capsys.readouterr().out
    assert cache.entries() == []


def test_forget_needs_an_email_or_all(capsys):
    import pytest

    with pytest.raises(SystemExit) as caught:
        main(["users", "forget"])
    assert caught.value.code == 2
