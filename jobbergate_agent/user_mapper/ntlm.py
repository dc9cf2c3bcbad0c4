"""NTLM support on OpenSSL 3, where hashlib has no MD4.

ldap3 computes the NT hash (MD4 of the UTF-16LE password) with `hashlib.new("MD4")` and falls
back to pycryptodome's `Crypto.Hash.MD4`. Without either, an NTLM bind fails only at its third
step, that is only against a real domain controller; `check_md4()` says so at start-up instead.
"""

from __future__ import annotations

import hashlib
import hmac

from jobbergate_agent.settings import ENV_PREFIX, ConfigurationError


def md4(data: bytes) -> bytes:
    """MD4 from OpenSSL when it still has it, else from pycryptodome (as ldap3 does)."""
    try:
        return hashlib.new("md4", data).digest()
    except ValueError:
        from Crypto.Hash import MD4  # pycryptodome, a dependency for this very reason

        return MD4.new(data).digest()


def nt_hash(password: str) -> bytes:
    """The NT hash (NTOWFv1) of a password."""
    return md4(password.encode("utf-16-le"))


def ntowf_v2(password: str, user: str, domain: str) -> bytes:
    """The NTLMv2 response key, as MS-NLMP 3.3.2 defines it (what ldap3 sends proofs with)."""
    return hmac.new(nt_hash(password), (user.upper() + domain).encode("utf-16-le"), "md5").digest()


def check_md4() -> None:
    """Raise ConfigurationError when no MD4 implementation is reachable (NTLM cannot work)."""
    try:
        nt_hash("")
    except (ValueError, ImportError):
        raise ConfigurationError(
            f"{ENV_PREFIX}LDAP_AUTH_TYPE=NTLM needs MD4, which this OpenSSL lacks; install "
            "pycryptodome or set LDAP_AUTH_TYPE=SIMPLE"
        ) from None
