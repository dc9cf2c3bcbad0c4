"""LDAP settings are checked before anything connects; each error names its setting."""

from __future__ import annotations

import pytest

from jobbergate_agent.settings import ConfigurationError, Settings
from jobbergate_agent.user_mapper.ldap_config import LDAPConfig, search_base_from_domain

GOOD = {
    "LDAP_URI": "ldaps://dc1.lab.example.com",
    "LDAP_DOMAIN": "lab.example.com",
    "LDAP_USERNAME": "svc-agent",
    "LDAP_PASSWORD": "s3cret-Pass",
}


def config(**values) -> LDAPConfig:
    return LDAPConfig.from_settings(Settings(**{**GOOD, **values}))


def test_defaults_are_active_directory_over_ntlm():
    cfg = config()
    assert (cfg.auth_type, cfg.bind_user) == ("NTLM", "lab.example.com\\svc-agent")
    assert (cfg.host, cfg.port, cfg.use_ssl) == ("dc1.lab.example.com", 636, True)
    assert cfg.search_base == "DC=lab,DC=example,DC=com"
    assert cfg.username_attribute == "sAMAccountName" and cfg.email_attribute == "mail"


def test_ntlm_keeps_a_domain_the_user_wrote():
    assert config(LDAP_USERNAME="LAB\\svc").bind_user == "LAB\\svc"


def test_openldap_style():
    cfg = config(
        LDAP_URI="ldap://ldap.example.com:1389",
        LDAP_AUTH_TYPE="SIMPLE",
        LDAP_DOMAIN=None,
        LDAP_USERNAME="cn=reader,dc=example,dc=com",
        LDAP_SEARCH_BASE="ou=people,dc=example,dc=com",
        LDAP_USERNAME_ATTRIBUTE="uid",
        LDAP_USE_STARTTLS=True,
    )
    assert (cfg.port, cfg.use_ssl, cfg.use_starttls) == (1389, False, True)
    assert cfg.bind_user == "cn=reader,dc=example,dc=com"
    assert cfg.search_base == "ou=people,dc=example,dc=com"
    assert cfg.uri == "ldap://ldap.example.com:1389"


def test_anonymous_simple_bind_is_allowed():
    cfg = config(LDAP_AUTH_TYPE="SIMPLE", LDAP_USERNAME=None, LDAP_PASSWORD=None)
    assert cfg.bind_user is None and cfg.password is None


def test_search_base_from_domain():
    assert search_base_from_domain("a.b.c.") == "DC=a,DC=b,DC=c"
    assert search_base_from_domain("LAB") == "DC=LAB"


@pytest.mark.parametrize(
    ("values", "setting", "words"),
    [
        ({"LDAP_URI": None}, "LDAP_URI", "needs it"),
        ({"LDAP_URI": "https://dc1"}, "LDAP_URI", "ldap://"),
        ({"LDAP_URI": "ldaps://"}, "LDAP_URI", "ldap://"),
        ({"LDAP_URI": "ldap://dc1:notaport"}, "LDAP_URI", "port"),
        ({"LDAP_URI": "ldap://dc1/dc=x"}, "LDAP_URI", "LDAP_SEARCH_BASE"),
        ({"LDAP_USE_STARTTLS": True}, "LDAP_USE_STARTTLS", "one or the other"),
        ({"LDAP_DOMAIN": None, "LDAP_AUTH_TYPE": "SIMPLE"}, "LDAP_SEARCH_BASE", "LDAP_DOMAIN"),
        ({"LDAP_DOMAIN": None, "LDAP_SEARCH_BASE": "dc=x"}, "LDAP_DOMAIN", "NTLM"),
        ({"LDAP_PASSWORD": None}, "LDAP_PASSWORD", "NTLM"),
        ({"LDAP_USERNAME": None}, "LDAP_USERNAME", "NTLM"),
        ({"LDAP_AUTH_TYPE": "SIMPLE", "LDAP_PASSWORD": None}, "LDAP_PASSWORD", "or neither"),
        ({"LDAP_AUTH_TYPE": "SIMPLE", "LDAP_USERNAME": None}, "LDAP_USERNAME", "or neither"),
        ({"LDAP_CA_BUNDLE": "/nonexistent/ca.pem"}, "LDAP_CA_BUNDLE", "not a readable file"),
        ({"LDAP_USERNAME_ATTRIBUTE": "uid)(x"}, "LDAP_USERNAME_ATTRIBUTE", "not an attribute"),
        ({"LDAP_EMAIL_ATTRIBUTE": ""}, "LDAP_EMAIL_ATTRIBUTE", "not an attribute"),
    ],
)
def test_errors_name_the_setting(values, setting, words):
    with pytest.raises(ConfigurationError) as caught:
        config(**values)
    message = str(caught.value)
    assert message.startswith(f"JOBBERGATE_AGENT_{setting}:"), message
    assert words in message


def test_the_password_is_not_in_the_repr():
    assert "s3cret-Pass" not in repr(config())
    assert "s3cret-Pass" not in str(config())
