"""The LDAP mapper's settings, checked once and turned into what ldap3 needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from jobbergate_agent.settings import ENV_PREFIX, ConfigurationError, Settings


def _error(setting: str, message: str) -> ConfigurationError:
    return ConfigurationError(f"{ENV_PREFIX}{setting}: {message}")


def search_base_from_domain(domain: str) -> str:
    """lab.example.com -> DC=lab,DC=example,DC=com"""
    return ",".join(f"DC={part}" for part in domain.strip(".").split(".") if part)


@dataclass(frozen=True)
class LDAPConfig:
    uri: str
    host: str
    port: int
    use_ssl: bool
    use_starttls: bool
    auth_type: str  # "NTLM" or "SIMPLE"
    bind_user: str | None  # None: anonymous SIMPLE bind
    password: str | None
    search_base: str
    username_attribute: str
    email_attribute: str
    ca_bundle: Path | None
    timeout: float
    lowercase_username: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> LDAPConfig:
        if not settings.LDAP_URI:
            raise _error(
                "LDAP_URI", "the ldap-cached-mapper needs it, e.g. ldaps://dc1.example.com"
            )
        parts = urlsplit(settings.LDAP_URI.strip())
        if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
            raise _error("LDAP_URI", "must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]")
        if parts.path not in ("", "/"):
            raise _error("LDAP_URI", "must not hold a path; set LDAP_SEARCH_BASE for the base DN")
        try:
            port = parts.port or (636 if parts.scheme == "ldaps" else 389)
        except ValueError:
            raise _error("LDAP_URI", "the port is not a number") from None
        use_ssl = parts.scheme == "ldaps"
        if use_ssl and settings.LDAP_USE_STARTTLS:
            raise _error("LDAP_USE_STARTTLS", "ldaps:// is already TLS; use one or the other")

        domain = (settings.LDAP_DOMAIN or "").strip()
        search_base = (settings.LDAP_SEARCH_BASE or "").strip()
        if not search_base:
            if not domain:
                raise _error(
                    "LDAP_SEARCH_BASE", "set it, or set LDAP_DOMAIN to derive DC=... from it"
                )
            search_base = search_base_from_domain(domain)

        username = (settings.LDAP_USERNAME or "").strip() or None
        password = settings.LDAP_PASSWORD.get_secret_value() if settings.LDAP_PASSWORD else None
        if settings.LDAP_AUTH_TYPE == "NTLM":
            if not domain:
                raise _error("LDAP_DOMAIN", "NTLM binds as DOMAIN\\user; set the NTLM domain")
            if not username or not password:
                missing = "LDAP_USERNAME" if not username else "LDAP_PASSWORD"
                raise _error(missing, "an NTLM bind needs a username and a password")
            from jobbergate_agent.user_mapper.ntlm import check_md4

            check_md4()
            # ldap3 wants DOMAIN\user for NTLM; keep a domain the user already wrote.
            bind_user: str | None = username if "\\" in username else f"{domain}\\{username}"
        else:
            if bool(username) != bool(password):
                missing = "LDAP_PASSWORD" if username else "LDAP_USERNAME"
                raise _error(missing, "set both LDAP_USERNAME and LDAP_PASSWORD, or neither")
            bind_user = username

        if settings.LDAP_CA_BUNDLE and not settings.LDAP_CA_BUNDLE.is_file():
            raise _error("LDAP_CA_BUNDLE", f"{settings.LDAP_CA_BUNDLE} is not a readable file")
        for setting in ("LDAP_USERNAME_ATTRIBUTE", "LDAP_EMAIL_ATTRIBUTE"):
            value = getattr(settings, setting)
            if not value or not value.replace("-", "").isalnum():
                raise _error(setting, f"{value!r} is not an attribute name")

        return cls(
            uri=f"{parts.scheme}://{parts.hostname}:{port}",
            host=parts.hostname,
            port=port,
            use_ssl=use_ssl,
            use_starttls=settings.LDAP_USE_STARTTLS,
            auth_type=settings.LDAP_AUTH_TYPE,
            bind_user=bind_user,
            password=password,
            search_base=search_base,
            username_attribute=settings.LDAP_USERNAME_ATTRIBUTE,
            email_attribute=settings.LDAP_EMAIL_ATTRIBUTE,
            ca_bundle=settings.LDAP_CA_BUNDLE,
            timeout=settings.LDAP_TIMEOUT,
            lowercase_username=settings.LDAP_LOWERCASE_USERNAME,
        )

    def __repr__(self) -> str:  # never show the password
        return f"LDAPConfig(uri={self.uri!r}, auth={self.auth_type}, bind_user={self.bind_user!r})"
