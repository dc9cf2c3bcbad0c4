"""The LDAP mapper's own logic, with a stand-in directory; and that ldap3 never blocks the loop."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from jobbergate_agent.settings import Settings
from jobbergate_agent.user_mapper import (
    DirectoryUnavailableError,
    UnmappableUserError,
    UserNotFoundError,
)
from jobbergate_agent.user_mapper.directory import DirectoryEntry
from jobbergate_agent.user_mapper.ldap import LDAPCachedMapper


def settings(tmp_path, **values) -> Settings:
    base = {
        "LDAP_URI": "ldap://127.0.0.1:1",
        "LDAP_AUTH_TYPE": "SIMPLE",
        "LDAP_SEARCH_BASE": "dc=example,dc=com",
        "CACHE_DIR": tmp_path,
        "LDAP_NEGATIVE_CACHE_TTL_SECONDS": 30,
    }
    return Settings(**{**base, **values})


class FakeDirectory:
    where = "ldap://fake under dc=example,dc=com"

    def __init__(self, answers: dict[str, str | Exception], delay: float = 0) -> None:
        self.answers = answers
        self.delay = delay
        self.asked: list[str] = []
        self.closed = False

    def where_for(self, email: str) -> str:
        return f"as mail={email} at {self.where}"

    async def find(self, email: str) -> DirectoryEntry:
        self.asked.append(email)
        await asyncio.sleep(self.delay)
        answer = self.answers.get(email) or UserNotFoundError(
            email, self.where_for(email), "no enabled directory entry carries this address"
        )
        if isinstance(answer, Exception):
            raise answer
        return DirectoryEntry(dn=f"uid={answer}", username=answer)

    async def aclose(self) -> None:
        self.closed = True


class Clock:
    now = 5000.0

    def __call__(self) -> float:
        return self.now


async def test_hit_is_cached_and_the_address_normalized(tmp_path):
    directory = FakeDirectory({"alice@example.com": "alice"})
    mapper = LDAPCachedMapper(settings(tmp_path), directory=directory)  # type: ignore[arg-type]
    assert (await mapper.lookup(" Alice@Example.COM ")).source == "directory"
    assert (await mapper.lookup("alice@example.com")).source == "cache"
    assert directory.asked == ["alice@example.com"]
    await mapper.aclose()
    assert directory.closed


async def test_negative_entries_are_short_lived(tmp_path):
    clock = Clock()
    directory = FakeDirectory({})
    mapper = LDAPCachedMapper(settings(tmp_path), directory=directory, clock=clock)  # type: ignore[arg-type]
    for _ in range(3):
        with pytest.raises(UnmappableUserError):
            await mapper.username_for("new@example.com")
    assert directory.asked == ["new@example.com"]
    directory.answers["new@example.com"] = "new"
    clock.now += 31
    assert await mapper.username_for("new@example.com") == "new"


async def test_transient_failures_are_not_cached(tmp_path):
    directory = FakeDirectory({"a@example.com": DirectoryUnavailableError("down")})
    mapper = LDAPCachedMapper(settings(tmp_path), directory=directory)  # type: ignore[arg-type]
    for _ in range(2):
        with pytest.raises(DirectoryUnavailableError):
            await mapper.username_for("a@example.com")
    assert directory.asked == ["a@example.com"] * 2
    assert mapper.cache.entries() == []


@pytest.mark.parametrize("email", ["", "   ", "alice", "@example.com", "alice@"])
async def test_not_an_address_is_rejected_without_asking(tmp_path, email):
    directory = FakeDirectory({})
    mapper = LDAPCachedMapper(settings(tmp_path), directory=directory)  # type: ignore[arg-type]
    with pytest.raises(UnmappableUserError, match="not an email address"):
        await mapper.username_for(email)
    assert directory.asked == []


async def test_concurrent_lookups_of_one_address_ask_once(tmp_path):
    directory = FakeDirectory({"a@example.com": "a"}, delay=0.05)
    mapper = LDAPCachedMapper(settings(tmp_path), directory=directory)  # type: ignore[arg-type]
    results = await asyncio.gather(*(mapper.username_for("a@example.com") for _ in range(5)))
    assert results == ["a"] * 5
    assert directory.asked == ["a@example.com"]


@pytest.fixture
def silent_server():
    """Accepts TCP connections and never answers: a hung directory."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for sock in accepted:
        sock.close()
    listener.close()


async def test_a_hung_directory_times_out_without_blocking_the_loop(tmp_path, silent_server):
    mapper = LDAPCachedMapper(
        settings(
            tmp_path,
            LDAP_URI=f"ldap://127.0.0.1:{silent_server}",
            LDAP_TIMEOUT=1,
            LDAP_USERNAME="cn=x",
            LDAP_PASSWORD="Hung-Secret-7",
        )
    )
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    started = time.monotonic()
    with pytest.raises(DirectoryUnavailableError) as caught:
        await mapper.username_for("a@example.com")
    elapsed = time.monotonic() - started
    task.cancel()
    assert 0.9 < elapsed < 10
    assert ticks > elapsed * 50  # the loop kept running (~100 ticks a second) meanwhile
    assert str(silent_server) in str(caught.value)
    assert "Hung-Secret-7" not in str(caught.value)
    await mapper.aclose()
