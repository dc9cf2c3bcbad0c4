"""NTLM hashing on OpenSSL 3: MD4 from pycryptodome, checked against the known NT hash."""

from __future__ import annotations

import hashlib
import hmac
import sys

import pytest
from ldap3.utils.ntlm import NtlmClient

from jobbergate_agent.settings import ConfigurationError
from jobbergate_agent.user_mapper import ntlm


def test_nt_hash_of_password():
    assert ntlm.nt_hash("password").hex() == "8846f7eaee8fb117ad06bdd830b7586c"
    assert ntlm.nt_hash("").hex() == "31d6cfe0d16ae931b73c59d7e0c089c0"


def test_md4_without_openssl(monkeypatch):
    """The path OpenSSL 3 takes: hashlib refuses md4, pycryptodome answers."""
    real_new = hashlib.new

    def no_md4(name, *args, **kwargs):
        if name.lower() == "md4":
            raise ValueError("unsupported hash type md4")
        return real_new(name, *args, **kwargs)

    monkeypatch.setattr(hashlib, "new", no_md4)
    assert ntlm.nt_hash("password").hex() == "8846f7eaee8fb117ad06bdd830b7586c"
    # ldap3's own NTLMv2 key derivation takes the same fallback and agrees with ours
    client = NtlmClient(user_name="svc-agent", domain="LAB", password="password")
    assert client.ntowf_v2() == ntlm.ntowf_v2("password", "svc-agent", "LAB")
    expected = hmac.new(
        bytes.fromhex("8846f7eaee8fb117ad06bdd830b7586c"),
        "SVC-AGENTLAB".encode("utf-16-le"),
        "md5",
    ).digest()
    assert client.ntowf_v2() == expected


def test_no_md4_anywhere_is_a_configuration_error(monkeypatch):
    def no_md4(name, *args, **kwargs):
        raise ValueError("unsupported hash type md4")

    monkeypatch.setattr(hashlib, "new", no_md4)
    monkeypatch.setitem(sys.modules, "Crypto.Hash", None)  # import fails
    with pytest.raises(ConfigurationError, match="LDAP_AUTH_TYPE=SIMPLE"):
        ntlm.check_md4()


def test_check_md4_passes_here():
    ntlm.check_md4()  # pycryptodome is a dependency
