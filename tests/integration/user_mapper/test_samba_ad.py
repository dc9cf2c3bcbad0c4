"""The LDAP mapper against a real Samba Active Directory DC: SIMPLE over TLS, sAMAccountName."""

from __future__ import annotations

import pytest

from jobbergate_agent.user_mapper import (
    AmbiguousUserError,
    DirectoryConfigurationError,
    DirectoryUnavailableError,
    UserNotFoundError,
    build_user_mapper,
)
from tests.integration.user_mapper.conftest import samba_settings_for
from tests.integration.user_mapper.servers import (
    SAMBA_DOMAIN,
    WEIRD_EMAIL,
    SambaServer,
    ServerSetupError,
)

pytestmark = pytest.mark.ldap


@pytest.fixture
async def mapper(samba_settings):
    mapper = build_user_mapper(samba_settings())
    yield mapper
    await mapper.aclose()


async def test_found_over_ldaps_with_search_base_from_domain(mapper, samba):
    assert mapper.config.search_base == samba.base_dn
    result = await mapper.lookup("alice@example.com")
    assert (result.username, result.source) == ("alice", "directory")
    assert f"CN=alice,CN=Users,{samba.base_dn}" in result.detail


@pytest.mark.parametrize(
    "user", ["administrator@lab.example.com", "CN=Administrator,CN=Users,DC=lab,DC=example,DC=com"]
)
async def test_found_over_starttls_binding_as_upn_or_dn(samba, user):
    settings = samba_settings_for(
        samba, LDAP_URI=samba.ldap_uri, LDAP_USE_STARTTLS=True, LDAP_USERNAME=user
    )
    async with build_user_mapper(settings) as mapper:
        assert await mapper.username_for("alice@example.com") == "alice"


async def test_not_found(mapper, samba):
    with pytest.raises(UserNotFoundError) as caught:
        await mapper.username_for("nobody@example.com")
    assert "nobody@example.com" in str(caught.value) and samba.base_dn in str(caught.value)


async def test_two_entries_with_one_address(mapper):
    with pytest.raises(AmbiguousUserError) as caught:
        await mapper.username_for("shared@example.com")
    assert caught.value.count == 2 and "2 directory entries" in str(caught.value)


async def test_disabled_account_does_not_match(mapper):
    with pytest.raises(UserNotFoundError, match="no enabled directory entry"):
        await mapper.username_for("gone@example.com")


async def test_disabled_twin_does_not_make_an_address_ambiguous(mapper):
    # old.dave (disabled) and dave share dave@example.com: only dave counts
    assert await mapper.username_for("dave@example.com") == "dave"


async def test_address_with_filter_metacharacters(mapper):
    assert await mapper.username_for(WEIRD_EMAIL) == "weird"
    for attempt in ("*@example.com", "alice@example.com)(sAMAccountName=*", "o*@example.com"):
        with pytest.raises(UserNotFoundError):
            await mapper.username_for(attempt)


async def test_mixed_case(mapper, samba):
    assert await mapper.username_for("MIXED.case@example.com") == "mixed.case"
    async with build_user_mapper(samba_settings_for(samba, LDAP_LOWERCASE_USERNAME=False)) as m:
        # the cache (shared through CACHE_DIR) holds the lower-cased answer: ask the directory
        result = await m.lookup("mixed.case@EXAMPLE.com", use_cache=False)
        assert result.username == "Mixed.Case"


async def test_entry_without_mail(mapper):
    with pytest.raises(UserNotFoundError):
        await mapper.username_for("nomail@example.com")


async def test_wrong_password_is_a_configuration_error(samba):
    secret = "Not-The-Admin-Pass-7"
    async with build_user_mapper(samba_settings_for(samba, LDAP_PASSWORD=secret)) as mapper:
        with pytest.raises(DirectoryConfigurationError) as caught:
            await mapper.username_for("alice@example.com")
    assert "invalidCredentials" in str(caught.value)
    assert secret not in str(caught.value)


async def test_simple_bind_without_tls_is_refused_with_advice(samba):
    async with build_user_mapper(samba_settings_for(samba, LDAP_URI=samba.ldap_uri)) as mapper:
        with pytest.raises(DirectoryConfigurationError) as caught:
            await mapper.username_for("alice@example.com")
    assert "strongerAuthRequired" in str(caught.value)
    assert "LDAP_USE_STARTTLS" in str(caught.value)


async def test_untrusted_certificate_is_a_configuration_error(samba):
    # without the test CA the system trust store does not know Samba's certificate
    async with build_user_mapper(samba_settings_for(samba, LDAP_CA_BUNDLE=None)) as mapper:
        with pytest.raises(DirectoryConfigurationError, match="LDAP_CA_BUNDLE"):
            await mapper.username_for("alice@example.com")


async def test_certificate_not_naming_the_host_is_refused(samba):
    # 127.1 reaches 127.0.0.1, but the certificate names only 127.0.0.1 and localhost
    async with build_user_mapper(samba_settings_for(samba, LDAP_URI="ldaps://127.1")) as m:
        with pytest.raises(DirectoryConfigurationError, match="doesn't match"):
            await m.username_for("alice@example.com")


async def test_ldaps_on_the_plain_port_is_transient_with_advice(samba):
    async with build_user_mapper(samba_settings_for(samba, LDAP_URI="ldaps://127.0.0.1:389")) as m:
        with pytest.raises(DirectoryUnavailableError, match="this port speaks TLS") as caught:
            await m.username_for("alice@example.com")
    assert not isinstance(caught.value, DirectoryConfigurationError)


async def test_ntlm_refused_by_samba_says_so_and_suggests_simple(samba):
    settings = samba_settings_for(
        samba,
        LDAP_URI=samba.ldap_uri,
        LDAP_AUTH_TYPE="NTLM",
        LDAP_DOMAIN=SAMBA_DOMAIN,
        LDAP_USERNAME="Administrator",
        LDAP_SEARCH_BASE=samba.base_dn,
    )
    async with build_user_mapper(settings) as mapper:
        assert mapper.config.bind_user == f"{SAMBA_DOMAIN}\\Administrator"
        with pytest.raises(DirectoryConfigurationError) as caught:
            await mapper.username_for("alice@example.com")
    message = str(caught.value)
    assert "closed the session" in message and "LDAP_AUTH_TYPE=SIMPLE" in message
    assert samba.admin_password not in message


async def test_stopped_then_restarted_server(samba_running):
    samba = samba_running
    async with build_user_mapper(samba_settings_for(samba, LDAP_TIMEOUT=2)) as mapper:
        assert await mapper.username_for("alice@example.com") == "alice"
        first = mapper.directory._connection
        samba.stop()
        with pytest.raises(DirectoryUnavailableError) as caught:
            await mapper.username_for("dave@example.com")
        assert caught.value.transient and not isinstance(caught.value, DirectoryConfigurationError)
        samba.start()
        assert await mapper.username_for("dave@example.com") == "dave"
        assert mapper.directory._connection is not first


async def test_restart_mid_run_reconnects(samba_running):
    samba = samba_running
    async with build_user_mapper(samba_settings_for(samba)) as mapper:
        assert await mapper.username_for("alice@example.com") == "alice"
        samba.restart()
        assert await mapper.username_for("mixed.case@example.com") == "mixed.case"


def test_a_held_port_fails_with_a_clear_message(samba, tmp_path):
    # the session's Samba holds 389: a second one (or a system samba) must be named as the cause
    with pytest.raises(ServerSetupError) as caught:
        SambaServer(tmp_path / "second").start()
    assert "port 389 on 127.0.0.1 is taken" in str(caught.value)
    assert "service samba-ad-dc stop" in str(caught.value)
