"""Session-wide real directory servers: OpenLDAP (slapd) and Samba AD, started and stopped here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from jobbergate_agent.settings import Settings
from tests.integration.user_mapper.servers import SambaServer, ServerSetupError, SlapdServer


def _started(server: SlapdServer | SambaServer) -> None:
    try:
        server.setup()
        server.start()
    except ServerSetupError as error:
        pytest.fail(f"cannot start the test directory server: {error}", pytrace=False)


@pytest.fixture(scope="session")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    server = SlapdServer(tmp_path_factory.mktemp("slapd"))
    _started(server)
    yield server
    server.stop()


@pytest.fixture
def own_slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SlapdServer]:
    """A slapd for one test only, free to be stopped and restarted."""
    server = SlapdServer(tmp_path_factory.mktemp("own-slapd"))
    _started(server)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def samba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaServer]:
    server = SambaServer(tmp_path_factory.mktemp("samba") / "dc")
    _started(server)
    yield server
    server.stop()


@pytest.fixture
def samba_running(samba: SambaServer) -> Iterator[SambaServer]:
    """The session Samba, restarted after the test if the test stopped it."""
    yield samba
    if samba.process is None or samba.process.poll() is not None:
        samba.start()


def slapd_settings_for(server: SlapdServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "SLURM_USER_MAPPER": "ldap-cached-mapper",
        "LDAP_URI": server.uri,
        "LDAP_AUTH_TYPE": "SIMPLE",
        "LDAP_USERNAME": server.reader_dn,
        "LDAP_PASSWORD": server.reader_password,
        "LDAP_SEARCH_BASE": server.search_base,
        "LDAP_USERNAME_ATTRIBUTE": "uid",
        "LDAP_TIMEOUT": 3,
    }
    values.update(overrides)
    return Settings(**values)


def samba_settings_for(server: SambaServer, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "SLURM_USER_MAPPER": "ldap-cached-mapper",
        "LDAP_URI": server.ldaps_uri,
        "LDAP_AUTH_TYPE": "SIMPLE",
        "LDAP_DOMAIN": "lab.example.com",
        "LDAP_USERNAME": server.admin_user,
        "LDAP_PASSWORD": server.admin_password,
        "LDAP_CA_BUNDLE": server.ca_file,
        "LDAP_TIMEOUT": 5,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def slapd_settings(slapd: SlapdServer) -> Callable[..., Settings]:
    return lambda **overrides: slapd_settings_for(slapd, **overrides)


@pytest.fixture
def samba_settings(samba: SambaServer) -> Callable[..., Settings]:
    return lambda **overrides: samba_settings_for(samba, **overrides)
