"""The SQLite cache: TTLs, negative entries, forgetting, restarts, schema changes, two writers."""

from __future__ import annotations

import multiprocessing
import sqlite3

from jobbergate_agent.user_mapper.cache import SCHEMA_VERSION, UserCache


def make(path, ttl=100, negative_ttl=10) -> UserCache:
    return UserCache(
        path / "user-mapper.sqlite", ttl_seconds=ttl, negative_ttl_seconds=negative_ttl
    )


def test_hit_and_miss_with_their_ttls(tmp_path):
    cache = make(tmp_path)
    cache.put_hit("Alice@Example.com", "alice", "at ldap://x", now=1000)
    cache.put_miss("nobody@example.com", "no entry", "at ldap://x", now=1000)
    hit, miss = cache.get("alice@example.com"), cache.get("NOBODY@example.com")
    assert hit and (hit.username, hit.negative, hit.expires_at) == ("alice", False, 1100)
    assert miss and (miss.username, miss.negative, miss.expires_at) == (None, True, 1010)
    assert miss.reason == "no entry" and miss.looked_up == "at ldap://x"
    assert hit.fresh(1099) and not hit.fresh(1100)
    assert miss.fresh(1009) and not miss.fresh(1010)
    assert cache.get("other@example.com") is None


def test_upsert_replaces(tmp_path):
    cache = make(tmp_path)
    cache.put_miss("a@example.com", "no entry", "x", now=1)
    cache.put_hit("a@example.com", "a", "x", now=2)
    [entry] = cache.entries()
    assert (entry.username, entry.reason, entry.fetched_at) == ("a", None, 2)


def test_forget_and_purge(tmp_path):
    cache = make(tmp_path)
    for n in range(3):
        cache.put_hit(f"u{n}@example.com", f"u{n}", "x", now=n * 100)
    assert cache.forget("U0@example.com") is True
    assert cache.forget("u0@example.com") is False
    # u1 expires at 200, u2 at 300
    assert cache.purge_expired(now=250) == 1
    assert [e.email for e in cache.entries()] == ["u2@example.com"]
    cache.put_hit("u3@example.com", "u3", "x")
    assert cache.forget_all() == 2 and cache.entries() == []


def test_survives_reopening(tmp_path):
    make(tmp_path).put_hit("a@example.com", "a", "x")
    assert make(tmp_path).get("a@example.com").username == "a"


def test_wal_and_schema_version(tmp_path):
    make(tmp_path).put_hit("a@example.com", "a", "x")
    with sqlite3.connect(tmp_path / "user-mapper.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_file_of_another_schema_is_rebuilt(tmp_path):
    path = tmp_path / "user-mapper.sqlite"
    with sqlite3.connect(path) as db:  # e.g. a layout of some earlier release
        db.execute("CREATE TABLE user_mapping (email TEXT PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO user_mapping VALUES ('a@example.com', 'a')")
    cache = make(tmp_path)
    assert cache.entries() == []
    cache.put_hit("b@example.com", "b", "x")
    assert cache.get("b@example.com").username == "b"


def _writer(path: str, prefix: str, count: int) -> None:
    from pathlib import Path

    cache = UserCache(Path(path), ttl_seconds=100, negative_ttl_seconds=10)
    for n in range(count):
        cache.put_hit(f"{prefix}{n}@example.com", f"{prefix}{n}", "x")
        cache.put_hit("shared@example.com", prefix, "x")  # both fight over one row too
        cache.get(f"{prefix}{n}@example.com")


def test_two_processes_share_the_file(tmp_path):
    path = str(tmp_path / "user-mapper.sqlite")
    UserCache(tmp_path / "user-mapper.sqlite", 100, 10)  # create it first
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, p, 60)) for p in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [worker.exitcode for worker in workers] == [0, 0]
    entries = UserCache(tmp_path / "user-mapper.sqlite", 100, 10).entries()
    assert len(entries) == 121
    assert {e.username for e in entries if e.email == "shared@example.com"} <= {"a", "b"}
