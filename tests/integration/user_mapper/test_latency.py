"""Lookup latency against both real servers: cold (new connection), directory, warm cache.

Prints the figures (visible with `pytest -s` or in the report's captured output) and checks
that a cache hit is much cheaper than asking the directory.
"""

from __future__ import annotations

import statistics
import time

import pytest

from jobbergate_agent.user_mapper.ldap import LDAPCachedMapper
from tests.integration.user_mapper.conftest import samba_settings_for, slapd_settings_for

pytestmark = pytest.mark.ldap

ROUNDS = 20


async def measure(settings) -> dict[str, float]:
    cold: list[float] = []
    for _ in range(5):  # new mapper each time: TCP (+TLS) connect, bind, search, cache write
        async with LDAPCachedMapper(settings) as mapper:
            started = time.perf_counter()
            await mapper.lookup("alice@example.com", use_cache=False)
            cold.append(time.perf_counter() - started)
    async with LDAPCachedMapper(settings) as mapper:
        await mapper.lookup("alice@example.com")
        directory, warm = [], []
        for _ in range(ROUNDS):  # open connection: one search and one cache write
            started = time.perf_counter()
            await mapper.lookup("alice@example.com", use_cache=False)
            directory.append(time.perf_counter() - started)
        for _ in range(ROUNDS):
            started = time.perf_counter()
            result = await mapper.lookup("alice@example.com")
            warm.append(time.perf_counter() - started)
            assert result.source == "cache"
    return {
        name: statistics.median(values) * 1000
        for name, values in (("cold", cold), ("directory", directory), ("warm", warm))
    }


@pytest.mark.parametrize("server_name", ["slapd", "samba"])
async def test_latency(server_name, request, capsys):
    server = request.getfixturevalue(server_name)
    make = slapd_settings_for if server_name == "slapd" else samba_settings_for
    figures = await measure(make(server))
    with capsys.disabled():
        print(
            f"\n[user-mapper latency, {server_name}] median ms: cold connection "
            f"{figures['cold']:.2f}, cache miss on open connection {figures['directory']:.2f}, "
            f"warm cache {figures['warm']:.3f}"
        )
    assert figures["warm"] < figures["directory"] < figures["cold"] * 1.5
    assert figures["warm"] < 20  # a cache hit is a local SQLite read
