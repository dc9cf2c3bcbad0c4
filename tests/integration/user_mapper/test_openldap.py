"""The LDAP mapper against a real OpenLDAP (slapd): SIMPLE bind, username in `uid`."""

from __future__ import annotations

import pytest
from loguru import logger

from jobbergate_agent.user_mapper import (
    AmbiguousUserError,
    DirectoryConfigurationError,
    DirectoryUnavailableError,
    UserNotFoundError,
    build_user_mapper,
)
from jobbergate_agent.user_mapper.ldap import LDAPCachedMapper
from tests.integration.user_mapper.conftest import slapd_settings_for
from tests.integration.user_mapper.servers import WEIRD_EMAIL

pytestmark = pytest.mark.ldap


@pytest.fixture
async def mapper(slapd_settings):
    mapper = build_user_mapper(slapd_settings())
    assert isinstance(mapper, LDAPCachedMapper)
    yield mapper
    await mapper.aclose()


async def test_found(mapper, slapd):
    result = await mapper.lookup("alice@example.com")
    assert (result.username, result.source) == ("alice", "directory")
    assert f"uid=alice,{slapd.search_base}" in result.detail
    assert await mapper.username_for("alice@example.com") == "alice"


async def test_not_found_names_email_and_where(mapper, slapd):
    with pytest.raises(UserNotFoundError) as caught:
        await mapper.username_for("nobody@example.com")
    message = str(caught.value)
    assert "nobody@example.com" in message
    assert slapd.uri in message and slapd.search_base in message
    assert not caught.value.transient


async def test_two_entries_with_one_address_is_a_rejection_naming_the_count(mapper):
    with pytest.raises(AmbiguousUserError) as caught:
        await mapper.username_for("shared@example.com")
    assert caught.value.count == 2
    assert "2 directory entries" in str(caught.value)
    assert "uid=shared1" in str(caught.value) and "uid=shared2" in str(caught.value)


async def test_address_with_filter_metacharacters_matches_only_itself(mapper):
    assert await mapper.username_for(WEIRD_EMAIL) == "weird"
    assert await mapper.username_for(WEIRD_EMAIL.upper()) == "weird"


@pytest.mark.parametrize(
    "email",
    [
        "*@example.com",
        "*@*",
        "alice@example.com)(uid=*",
        "x@example.com)(|(mail=*)",
        "alice\\2a@example.com",
        "o*@example.com",
        "josé@example.com",
        "alice@example.com\x00",
    ],
)
async def test_injection_attempts_match_nobody(mapper, email):
    with pytest.raises(UserNotFoundError):
        await mapper.username_for(email)


async def test_mixed_case_addresses_match_case_insensitively(mapper):
    assert await mapper.username_for("Mixed.Case@Example.COM") == "mixed.case"
    assert await mapper.username_for("mixed.case@example.com") == "mixed.case"
    # the second lookup came from the cache: one row, under the lower-cased address
    assert [e.email for e in mapper.cache.entries()] == ["mixed.case@example.com"]


async def test_username_case_kept_when_asked(slapd_settings):
    async with build_user_mapper(slapd_settings(LDAP_LOWERCASE_USERNAME=False)) as mapper:
        assert await mapper.username_for("mixed.case@example.com") == "Mixed.Case"


async def test_entry_with_several_mail_values_is_found_by_each(mapper):
    assert await mapper.username_for("multi@example.com") == "multi"
    assert await mapper.username_for("Multi.Alias@example.org") == "multi"


async def test_entry_without_mail_is_never_matched(mapper):
    with pytest.raises(UserNotFoundError):
        await mapper.username_for("nomail@example.com")
    # and it does not disturb other lookups
    assert await mapper.username_for("alice@example.com") == "alice"


async def test_wrong_bind_password_is_a_configuration_error_without_the_password(slapd):
    secret = "Wrong-Secret-Value-42"
    logs: list[str] = []
    handler = logger.add(logs.append, level="TRACE")
    try:
        async with build_user_mapper(slapd_settings_for(slapd, LDAP_PASSWORD=secret)) as mapper:
            with pytest.raises(DirectoryConfigurationError) as caught:
                await mapper.username_for("alice@example.com")
    finally:
        logger.remove(handler)
    message = str(caught.value)
    assert "invalidCredentials" in message and "LDAP_PASSWORD" in message
    assert slapd.reader_dn in message
    assert caught.value.transient  # the submission stays pending: the person did nothing wrong
    assert secret not in message and all(secret not in line for line in logs)
    assert mapper.cache.entries() == []


async def test_ntlm_refused_by_slapd_says_so_and_suggests_simple(slapd):
    settings = slapd_settings_for(
        slapd, LDAP_AUTH_TYPE="NTLM", LDAP_DOMAIN="EXAMPLE", LDAP_USERNAME="reader"
    )
    async with build_user_mapper(settings) as mapper:
        with pytest.raises(DirectoryConfigurationError) as caught:
            await mapper.username_for("alice@example.com")
    message = str(caught.value)
    assert "authMethodNotSupported" in message
    assert "LDAP_AUTH_TYPE=SIMPLE" in message
    assert "EXAMPLE\\reader" in message


async def test_stopped_server_is_transient_not_a_rejection(own_slapd):
    async with build_user_mapper(slapd_settings_for(own_slapd, LDAP_TIMEOUT=2)) as mapper:
        assert await mapper.username_for("alice@example.com") == "alice"
        own_slapd.stop()
        with pytest.raises(DirectoryUnavailableError) as caught:
            await mapper.username_for("multi@example.com")
        assert caught.value.transient
        assert not isinstance(caught.value, DirectoryConfigurationError)
        assert own_slapd.uri in str(caught.value)
        # nothing negative was remembered about the person
        assert [e.email for e in mapper.cache.entries()] == ["alice@example.com"]
        own_slapd.start()
        assert await mapper.username_for("multi@example.com") == "multi"


async def test_server_restarted_mid_run_the_mapper_reconnects(own_slapd):
    async with build_user_mapper(slapd_settings_for(own_slapd)) as mapper:
        assert await mapper.username_for("alice@example.com") == "alice"
        connection = mapper.directory._connection
        assert connection is not None and not connection.closed
        own_slapd.restart()
        # the open connection is dead now; the next lookup notices and opens a new one
        assert await mapper.username_for("multi@example.com") == "multi"
        assert mapper.directory._connection is not connection


async def test_connection_is_reused(mapper):
    await mapper.lookup("alice@example.com", use_cache=False)
    connection = mapper.directory._connection
    await mapper.lookup("multi@example.com", use_cache=False)
    assert mapper.directory._connection is connection


async def test_missing_search_base_is_a_configuration_error(slapd):
    settings = slapd_settings_for(slapd, LDAP_SEARCH_BASE="ou=nowhere,dc=example,dc=com")
    async with build_user_mapper(settings) as mapper:
        with pytest.raises(DirectoryConfigurationError, match="ou=nowhere"):
            await mapper.username_for("alice@example.com")
