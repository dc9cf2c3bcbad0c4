"""One LDAP / Active Directory server, asked for the account that carries an email address.

ldap3 is synchronous and its connections are not thread-safe: every call runs in a worker
thread (`asyncio.to_thread`) under one `threading.Lock`, so the event loop never blocks and a
cancelled caller cannot leave two threads on one socket. The connection is opened on first use,
reused, and opened again once when a call finds it dropped (server restart, idle timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import ssl
import threading
from dataclasses import dataclass

from ldap3 import NONE, NTLM, SIMPLE, SYNC, Connection, Server, Tls
from ldap3.core import exceptions as ldap_errors
from ldap3.utils.conv import escape_filter_chars
from loguru import logger

from jobbergate_agent.user_mapper.errors import (
    AmbiguousUserError,
    DirectoryConfigurationError,
    DirectoryUnavailableError,
    UnmappableUserError,
    UserNotFoundError,
)
from jobbergate_agent.user_mapper.ldap_config import LDAPConfig

# userAccountControl flag ACCOUNTDISABLE (MS-ADTS 2.2.16)
ACCOUNT_DISABLE = 0x2
# A shared address among more entries than this is ambiguous anyway.
SEARCH_SIZE_LIMIT = 50

# LDAP result codes that mean "our bind is wrong", with what to do about each.
_BIND_ADVICE = {
    7: "the server does not support {auth} binds",  # authMethodNotSupported
    8: "the server requires TLS for this bind; use ldaps:// or LDAP_USE_STARTTLS=true",
    13: "the server requires TLS for this bind; use ldaps:// or LDAP_USE_STARTTLS=true",
    48: "the server does not allow {auth} binds",  # inappropriateAuthentication
    49: "invalid credentials; check LDAP_USERNAME and LDAP_PASSWORD",
    50: "the bind account may not search; check its rights",
    53: "the server is unwilling to accept this bind",
}
_NTLM_HINT = (
    "; this server does not speak NTLM (Sicily) binds, as Samba and OpenLDAP do not: "
    "set LDAP_AUTH_TYPE=SIMPLE (over ldaps:// or with LDAP_USE_STARTTLS=true)"
)


@dataclass(frozen=True)
class DirectoryEntry:
    dn: str
    username: str


class LDAPDirectory:
    def __init__(self, config: LDAPConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._connection: Connection | None = None

    @property
    def where(self) -> str:
        return f"{self.config.uri} under {self.config.search_base}"

    def where_for(self, email: str) -> str:
        return f"as {self.config.email_attribute}={email} at {self.where}"

    async def find(self, email: str) -> DirectoryEntry:
        """The one enabled entry that carries `email`; typed errors otherwise."""
        return await asyncio.to_thread(self._find_locked, email)

    async def check(self) -> None:
        """Open and bind now (for `jg-run check`); raises the same typed errors."""
        await asyncio.to_thread(self._check_locked)

    async def aclose(self) -> None:
        await asyncio.to_thread(self._close_locked)

    # --- in the worker thread -------------------------------------------------------------

    def _check_locked(self) -> None:
        with self._lock:
            self._connect()

    def _close_locked(self) -> None:
        with self._lock:
            self._drop()

    def _find_locked(self, email: str) -> DirectoryEntry:
        with self._lock:
            # One retry on a dropped connection: a restarted server or an idle timeout.
            for attempt in (1, 2):
                connection = self._connect()
                try:
                    return self._search(connection, email)
                except ldap_errors.LDAPCommunicationError as error:
                    self._drop()
                    if attempt == 2:
                        raise DirectoryUnavailableError(
                            f"LDAP server {self.config.uri} stopped answering: "
                            f"{self._scrub(error)}; will retry next cycle"
                        ) from None
                    logger.info(
                        "LDAP connection to {} dropped ({}); reconnecting",
                        self.config.uri,
                        type(error).__name__,
                    )
                except ldap_errors.LDAPException as error:
                    self._drop()
                    raise DirectoryUnavailableError(
                        f"LDAP search at {self.where} failed: {self._scrub(error)}; "
                        "will retry next cycle"
                    ) from None
        raise AssertionError("unreachable")

    def _search(self, connection: Connection, email: str) -> DirectoryEntry:
        config = self.config
        query = f"({config.email_attribute}={escape_filter_chars(email)})"
        attributes = [config.username_attribute, config.email_attribute, "userAccountControl"]
        connection.search(
            config.search_base,
            query,
            attributes=attributes,
            size_limit=SEARCH_SIZE_LIMIT,
            time_limit=max(1, int(config.timeout)),
        )
        result = connection.result or {}
        code = result.get("result", 0)
        where = self.where_for(email)
        if code == 32:  # noSuchObject: the base itself is missing
            raise DirectoryConfigurationError(
                f"LDAP search base {config.search_base} does not exist at {config.uri}; "
                "check LDAP_SEARCH_BASE (or LDAP_DOMAIN)"
            )
        if code not in (0, 4):  # 4: sizeLimitExceeded, entries still came back
            raise DirectoryUnavailableError(
                f"LDAP search at {self.where} failed: {result.get('description')} "
                f"{result.get('message', '')}".rstrip()
            )

        matches: list[tuple[str, dict[str, list[str]]]] = []
        for response in connection.response or []:
            if response.get("type") != "searchResEntry":
                continue  # referrals
            values = {
                name.lower(): [str(v) for v in (vals if isinstance(vals, list) else [vals])]
                for name, vals in (response.get("attributes") or {}).items()
            }
            mails = {m.lower() for m in values.get(config.email_attribute.lower(), [])}
            if email.lower() not in mails:
                continue  # the server's matching rule was laxer than ours
            if _disabled(values):
                logger.debug("LDAP entry {} carries {} but is disabled", response["dn"], email)
                continue
            matches.append((response["dn"], values))

        if not matches:
            raise UserNotFoundError(email, where, "no enabled directory entry carries this address")
        if len(matches) > 1 or code == 4:
            count = len(matches) if code == 0 else max(len(matches), SEARCH_SIZE_LIMIT)
            raise AmbiguousUserError(email, where, count, [dn for dn, _ in matches])
        dn, values = matches[0]
        usernames = values.get(config.username_attribute.lower())
        if not usernames:
            raise UnmappableUserError(
                email, where, f"the entry {dn} has no {config.username_attribute}"
            )
        username = usernames[0].strip()
        if config.lowercase_username:
            username = username.lower()
        return DirectoryEntry(dn=dn, username=username)

    def _connect(self) -> Connection:
        if self._connection is not None and not self._connection.closed:
            return self._connection
        config = self.config
        connection = Connection(
            self._new_server(),
            user=config.bind_user,
            password=config.password,
            authentication=NTLM if config.auth_type == "NTLM" else SIMPLE,
            client_strategy=SYNC,
            auto_bind=False,
            raise_exceptions=False,
            read_only=True,
            # ldap3 packs it into SO_RCVTIMEO as whole seconds
            receive_timeout=max(1, math.ceil(config.timeout)),
            check_names=False,
        )
        as_who = config.bind_user or "anonymous"
        try:
            connection.open()
            if config.use_starttls and not connection.start_tls():
                raise DirectoryConfigurationError(
                    f"StartTLS with {config.uri} failed: {_describe(connection)}; check that "
                    "the server offers it, or use ldaps://"
                )
            bound = connection.bind()
        except DirectoryConfigurationError:
            _quiet_unbind(connection)
            raise
        except (ldap_errors.LDAPSSLConfigurationError, ldap_errors.LDAPCertificateError) as error:
            _quiet_unbind(connection)
            raise DirectoryConfigurationError(
                f"TLS with {config.uri} failed: {self._scrub(error)}; check LDAP_CA_BUNDLE and "
                "that the certificate names the host in LDAP_URI"
            ) from None
        except ldap_errors.LDAPSessionTerminatedByServerError:
            _quiet_unbind(connection)
            if config.auth_type == "NTLM":
                raise DirectoryConfigurationError(
                    f"NTLM bind to {config.uri} as {as_who}: the server closed the session"
                    + _NTLM_HINT
                ) from None
            raise DirectoryUnavailableError(
                f"LDAP server {config.uri} closed the session during the bind; will retry"
            ) from None
        except ldap_errors.LDAPException as error:
            _quiet_unbind(connection)
            if _is_certificate_failure(error):
                raise DirectoryConfigurationError(
                    f"TLS with {config.uri} failed: {self._scrub(error)}; check LDAP_CA_BUNDLE "
                    "and that the certificate names the host in LDAP_URI"
                ) from None
            if "ssl" in str(error).lower():
                raise DirectoryUnavailableError(
                    f"TLS handshake with {config.uri} failed: {self._scrub(error)}; if this "
                    "lasts, check that this port speaks TLS (ldaps:// is usually 636; "
                    "StartTLS runs on the plain port, usually 389)"
                ) from None
            raise DirectoryUnavailableError(
                f"cannot reach LDAP server {config.uri}: {self._scrub(error)}; will retry"
            ) from None

        if not bound:
            result = connection.result or {}
            _quiet_unbind(connection)
            code = int(result.get("result", -1))  # -1: no bind response at all
            advice = _BIND_ADVICE.get(code, "").format(auth=config.auth_type)
            message = (
                f"{config.auth_type} bind to {config.uri} as {as_who} refused: "
                f"{result.get('description') or 'no answer'}"
            )
            if advice:
                message += f" ({advice})"
            if config.auth_type == "NTLM" and code in (7, 48, 53, -1):
                message += _NTLM_HINT
            if code in _BIND_ADVICE or config.auth_type == "NTLM":
                raise DirectoryConfigurationError(self._scrub(message))
            raise DirectoryUnavailableError(self._scrub(message) + "; will retry")

        logger.debug("LDAP bound to {} as {} ({})", config.uri, as_who, config.auth_type)
        self._connection = connection
        return connection

    def _new_server(self) -> Server:
        # A new Server object each time: ldap3 remembers an address that failed once as
        # unavailable, and would refuse it after the server came back.
        config = self.config
        tls = None
        if config.use_ssl or config.use_starttls:
            tls = Tls(
                validate=ssl.CERT_REQUIRED,
                version=ssl.PROTOCOL_TLS_CLIENT,
                ca_certs_file=str(config.ca_bundle) if config.ca_bundle else None,
            )
        return Server(
            config.host,
            port=config.port,
            use_ssl=config.use_ssl,
            tls=tls,
            get_info=NONE,
            connect_timeout=config.timeout,
        )

    def _drop(self) -> None:
        if self._connection is not None:
            _quiet_unbind(self._connection)
            self._connection = None

    def _scrub(self, text: object) -> str:
        """Exception texts from below may echo what we sent; the password never leaves."""
        text = str(text)
        if self.config.password:
            text = text.replace(self.config.password, "********")
        return text


def _disabled(values: dict[str, list[str]]) -> bool:
    flags = values.get("useraccountcontrol")
    if not flags:
        return False
    try:
        return bool(int(flags[0]) & ACCOUNT_DISABLE)
    except ValueError:
        return False


def _describe(connection: Connection) -> str:
    result = connection.result or {}
    return str(result.get("description") or result.get("message") or "no answer")


def _is_certificate_failure(error: Exception) -> bool:
    text = str(error).lower()
    return any(word in text for word in ("certificate", "verify failed", "hostname"))


def _quiet_unbind(connection: Connection) -> None:
    # The socket may already be gone; there is nothing to release then.
    with contextlib.suppress(Exception):
        connection.unbind()
