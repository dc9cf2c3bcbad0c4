"""Logging (loguru) and error reporting (Sentry), both with secrets taken out.

Whatever is logged passes the `Redactor` twice: a patcher cleans the message and the extra
fields of every record (so any sink, Sentry's included, gets clean records), and the stderr
sink cleans the final text, tracebacks included. It removes anything shaped like a JWT, the
values of the configured secrets, and `Bearer ...`, `password=...`-style pairs. Tracebacks are
logged without variable values (`diagnose=False`): those are where tokens would hide.

Sentry is off unless SENTRY_DSN is set; `sentry_sdk` is imported only then, and every event
goes through `scrub_event` before it leaves the host.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from loguru import logger

from jobbergate_agent.settings import Settings

REDACTED = "[REDACTED]"

# header.payload.signature, each base64url; JWT headers always start with eyJ ('{"').
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}")
_SECRET_WORDS = (
    r"(?:client_)?secret|password|passwd|token|access_token|api_key|jwt|"
    r"x-slurm-user-token|authorization"
)
# key=value (query strings, form bodies, command lines) and "key": "value" (JSON); prose such
# as "fetching the token: connection refused" is left alone.
_PAIRS = re.compile(
    rf"(?i)\b({_SECRET_WORDS})(=)(\"[^\"]*\"|'[^']*'|[^\s,;&'\"}}]+)"
    rf"|([\"'](?:{_SECRET_WORDS})[\"']\s*:\s*)(\"[^\"]*\"|'[^']*')"
)
# Header lines: "X-SLURM-USER-TOKEN: value", "Authorization: Basic value", "Cookie: value".
_HEADERS = re.compile(r"(?i)\b(x-slurm-user-token|authorization|cookie)(:\s*)(\S+(?: \S+)?)")
# Mapping keys whose values are secrets whatever they look like (Sentry events, extras).
_SECRET_KEY = re.compile(
    r"(?i)(pass(word|wd)?|secret|token|authorization|api[_-]?key|private[_-]?key|cookie|"
    r"credential|jwt|dsn|signature)"
)


def configured_secrets(settings: Settings) -> list[str]:
    """The secret values in the settings (and in the key or token files they point to)."""
    values = []
    for secret in (
        settings.OIDC_CLIENT_SECRET,
        settings.LDAP_PASSWORD,
        settings.X_SLURM_USER_TOKEN,
        settings.SLURMRESTD_JWT_KEY_STRING,
        settings.SENTRY_DSN,
    ):
        if secret is not None:
            values.append(secret.get_secret_value())
    for path in (settings.SLURMRESTD_JWT_TOKEN_FILE, settings.SLURMRESTD_JWT_KEY_PATH):
        # A token file or a PEM key is text that could be logged; an HS256 key is raw bytes.
        try:
            text = path.read_bytes().decode("utf-8").strip() if path is not None else ""
        except (OSError, UnicodeDecodeError):
            continue
        if text:
            values.append(text.removeprefix("SLURM_JWT="))
    return values


def _pair_replacement(match: re.Match[str]) -> str:
    if match.group(1) is not None:  # key=value
        return f"{match.group(1)}={REDACTED}"
    return f'{match.group(4)}"{REDACTED}"'  # "key": "value"


class Redactor:
    """Replaces secrets in text; secrets shorter than 4 characters are not worth matching."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _JWT.sub(REDACTED, text)
        text = _BEARER.sub(rf"\1 {REDACTED}", text)
        text = _HEADERS.sub(rf"\1\2{REDACTED}", text)
        return _PAIRS.sub(_pair_replacement, text)

    def scrub(self, value: Any, key: str | None = None) -> Any:
        """A copy of a JSON-like value with secret strings and secret-named keys cleaned."""
        if key is not None and _SECRET_KEY.search(key) and isinstance(value, str | bytes):
            return REDACTED
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, Mapping):
            return {k: self.scrub(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub(item, key) for item in value]
        return value


_redactor = Redactor()


def redactor() -> Redactor:
    return _redactor


class _RedactingSink:
    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self.stream = stream
        self.redactor = redactor

    def write(self, message: str) -> None:
        self.stream.write(self.redactor.redact(str(message)))
        self.stream.flush()


def _patcher(redactor: Redactor) -> Any:
    def patch(record: Any) -> None:
        record["message"] = redactor.redact(record["message"])
        record["extra"].update(redactor.scrub(dict(record["extra"])))

    return patch


LOG_FORMAT = "{time:YYYY-MM-DD HH:mm:ss.SSS} | {level: <7} | {message}"


def configure_logging(settings: Settings, stream: TextIO | None = None) -> Redactor:
    """Send LOG_LEVEL and above to stderr (or `stream`), redacted; returns the redactor."""
    global _redactor
    _redactor = Redactor(configured_secrets(settings))
    logger.remove()
    logger.configure(patcher=_patcher(_redactor))
    logger.add(
        _RedactingSink(stream or sys.stderr, _redactor),
        level=settings.LOG_LEVEL,
        format=LOG_FORMAT,
        backtrace=False,
        diagnose=False,
        colorize=False,
    )
    return _redactor


def scrub_event(event: dict[str, Any], hint: Any = None) -> dict[str, Any]:
    """Sentry's before_send (and before_breadcrumb): the event with every secret removed."""
    scrubbed: dict[str, Any] = _redactor.scrub(event)
    return scrubbed


def _sentry_hook(event: Any, hint: Any) -> Any:
    return scrub_event(event, hint)


def init_sentry(settings: Settings) -> bool:
    """Start Sentry when SENTRY_DSN is set; returns whether it started."""
    if settings.SENTRY_DSN is None:
        return False
    import sentry_sdk

    integrations: list[Any] = []
    try:
        from sentry_sdk.integrations.loguru import LoguruIntegration

        integrations.append(LoguruIntegration())
    except ImportError:  # older sentry-sdk: errors still reach Sentry as exceptions
        pass
    sentry_sdk.init(
        dsn=settings.SENTRY_DSN.get_secret_value(),
        environment=settings.SENTRY_ENV,
        sample_rate=settings.SENTRY_SAMPLE_RATE,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        profiles_sample_rate=settings.SENTRY_PROFILING_SAMPLE_RATE,
        before_send=_sentry_hook,
        before_breadcrumb=_sentry_hook,
        send_default_pii=False,
        integrations=integrations,
    )
    return True
