"""Every setting of the agent, read from the environment and `.env` (prefix JOBBERGATE_AGENT_).

Names follow the sbatch-based upstream agent wherever the meaning is the same, so that an
existing `.env` keeps working. `load_settings()` turns a validation failure into a
`ConfigurationError` whose message names the setting, for a one-line exit.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "JOBBERGATE_AGENT_"


class ConfigurationError(Exception):
    """A setting is missing or wrong; the message says which one and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # --- Jobbergate API ---------------------------------------------------------------------
    # Base URL of the Jobbergate API; routes are under {BASE_API_URL}/jobbergate/.
    BASE_API_URL: str = "https://apis.vantagehpc.io"
    # OIDC host[:port] and realm path, without a scheme (the token URL is
    # {scheme}://{OIDC_DOMAIN}/protocol/openid-connect/token).
    OIDC_DOMAIN: str = "auth.vantagehpc.io/realms/vantage"
    # The agent's OIDC client id; it is also this cluster's identity in Jobbergate.
    OIDC_CLIENT_ID: str = "jobbergate-agent"
    # The agent's OIDC client secret.
    OIDC_CLIENT_SECRET: SecretStr = SecretStr("CHANGE_ME")
    # Use https for the OIDC token URL (false only for a local test server).
    OIDC_USE_HTTPS: bool = True
    # Timeout in seconds of every request to the Jobbergate API and the OIDC server.
    REQUESTS_TIMEOUT: float = Field(15.0, gt=0)
    # How many pages of pending or active submissions are read per cycle.
    MAX_PAGES_PER_CYCLE: int = Field(5, ge=1)
    # Page size asked of the API (at most 100).
    ITEMS_PER_PAGE: int = Field(100, ge=1, le=100)

    # --- the loop -----------------------------------------------------------------------------
    # Token cache, submission journal and user-mapping cache live here.
    CACHE_DIR: Path = Path("~/.cache/jobbergate-agent")
    # Seconds between two cycles of the pending, active and heartbeat tasks.
    TASK_JOBS_INTERVAL_SECONDS: int = Field(60, ge=1, le=3600)
    # How many submissions are handled (downloaded, translated, submitted) at once.
    SUBMISSION_CONCURRENCY: int = Field(4, ge=1, le=64)
    # Log level of the agent's own log lines.
    LOG_LEVEL: Literal["TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR"] = "INFO"

    # --- Sentry (off unless SENTRY_DSN is set) -------------------------------------------------
    # Sentry DSN; events are scrubbed of tokens, keys and passwords before they leave.
    SENTRY_DSN: SecretStr | None = None
    # Sentry environment name.
    SENTRY_ENV: str = "local"
    # Share of transactions traced.
    SENTRY_TRACES_SAMPLE_RATE: float = Field(0.01, gt=0, le=1)
    # Share of error events sent.
    SENTRY_SAMPLE_RATE: float = Field(0.25, gt=0, le=1)
    # Share of traced transactions profiled.
    SENTRY_PROFILING_SAMPLE_RATE: float = Field(0.01, gt=0, le=1)

    # --- slurmrestd -----------------------------------------------------------------------------
    # http://host:port, https://host:port or unix:/path/to/socket
    BASE_SLURMRESTD_URL: str = "http://127.0.0.1:6820"
    # "auto" negotiates the newest version both sides speak; or pin one, e.g. "v0.0.42".
    SLURM_RESTD_VERSION: str = "auto"
    # Timeout in seconds of every request to slurmrestd.
    SLURMRESTD_TIMEOUT: float = Field(30.0, gt=0)
    # Verify slurmrestd's TLS certificate (https:// URLs).
    SLURMRESTD_VERIFY_TLS: bool = True
    # CA bundle (PEM) for slurmrestd's certificate, instead of the system's.
    SLURMRESTD_CA_BUNDLE: Path | None = None
    # How often a read (never a submit) is retried on a connection error or HTTP 502/503/504.
    SLURMRESTD_MAX_RETRIES: int = Field(3, ge=0, le=10)

    # How requests are authenticated:
    #   user:  a token minted for each mapped user (sun=<user>) with the cluster's key;
    #   proxy: one privileged (SlurmUser) token, acting for the user via X-SLURM-USER-NAME.
    SLURMRESTD_AUTH_MODE: Literal["user", "proxy"] = "user"
    # HS256 with the cluster's jwt_hs256.key, or RS256 with a private key (slurmctld jwks=).
    SLURMRESTD_JWT_ALGORITHM: Literal["HS256", "RS256"] = "HS256"
    # HS256: the cluster's jwt_hs256.key; RS256: the private key (PEM) matching slurmctld's jwks=.
    # The file must not be readable by group or others.
    SLURMRESTD_JWT_KEY_PATH: Path | None = None
    # The same key given as a string, instead of a file.
    SLURMRESTD_JWT_KEY_STRING: SecretStr | None = None
    # RS256: the key id (kid) of the matching entry in slurmctld's JWKS file.
    SLURMRESTD_JWT_KID: str | None = None
    # Lifetime in seconds of the tokens the agent mints (renewed with a fifth of it left).
    SLURMRESTD_EXP_TIME_IN_SECONDS: int = Field(3600, ge=60)
    # proxy mode: the SlurmUser name minted into the privileged token.
    SLURMRESTD_PROXY_USER: str = "slurm"
    # proxy mode with a token made elsewhere (`scontrol token`): the value or a file holding it.
    X_SLURM_USER_TOKEN: SecretStr | None = None
    # A file holding such a token (re-read when it changes, so it can be rotated).
    SLURMRESTD_JWT_TOKEN_FILE: Path | None = None
    # The Slurm user for requests that act for nobody in particular (checks, state polling),
    # and the default target of the single-user mapper.
    X_SLURM_USER_NAME: str = "ubuntu"

    # --- user mapping ---------------------------------------------------------------------------
    # single-user-mapper (unset), ldap-cached-mapper, or the name of a plugin's entry point in
    # the jobbergate_agent.user_mapper group.
    SLURM_USER_MAPPER: str | None = None
    # single-user-mapper: the Slurm user every submission runs as (default X_SLURM_USER_NAME).
    SINGLE_USER_SUBMITTER: str | None = None
    # ldap:// or ldaps:// URI of the directory.
    LDAP_URI: str | None = None
    # The NTLM domain (e.g. example.com); the default search base DC=example,DC=com is built
    # from it.
    LDAP_DOMAIN: str | None = None
    # Bind user (NTLM: the account name; SIMPLE: a DN or user@domain).
    LDAP_USERNAME: str | None = None
    # Bind password.
    LDAP_PASSWORD: SecretStr | None = None
    # NTLM (Active Directory) or SIMPLE (with LDAPS or StartTLS).
    LDAP_AUTH_TYPE: Literal["NTLM", "SIMPLE"] = "NTLM"
    # Search base, instead of the one built from LDAP_DOMAIN.
    LDAP_SEARCH_BASE: str | None = None
    # Attribute holding the username (sAMAccountName for AD, uid for OpenLDAP).
    LDAP_USERNAME_ATTRIBUTE: str = "sAMAccountName"
    # Attribute holding the email address.
    LDAP_EMAIL_ATTRIBUTE: str = "mail"
    # Lower-case usernames read from the directory (AD keeps case, e.g. "Mixed.Case"; sssd and
    # winbind present such accounts in lower case, as the upstream agent did).
    LDAP_LOWERCASE_USERNAME: bool = True
    # Upgrade an ldap:// connection with StartTLS.
    LDAP_USE_STARTTLS: bool = False
    # CA bundle (PEM) for the directory's certificate.
    LDAP_CA_BUNDLE: Path | None = None
    # Timeout in seconds of a connection or search.
    LDAP_TIMEOUT: float = Field(10.0, gt=0)
    # How long a found username is remembered.
    LDAP_CACHE_TTL_SECONDS: int = Field(86400, ge=0)
    # How long "no such person" is remembered, so a new account is found soon.
    LDAP_NEGATIVE_CACHE_TTL_SECONDS: int = Field(300, ge=0)

    # --- turning a submission into a Slurm job --------------------------------------------------
    # Working directory when the submission gives none and the script has no --chdir.
    DEFAULT_SLURM_WORK_DIR: str = "/home/{username}"
    # Carry the support files (and the entrypoint) inside the batch script; when false, a
    # submission with support files is rejected (the site stages files itself).
    WRITE_SUBMISSION_FILES: bool = True
    # Largest batch script submitted, wrapper included (Slurm's max_script_size is 4 MB).
    MAX_BATCH_SCRIPT_BYTES: int = Field(4 * 1024 * 1024, ge=1024)
    # JSON object: the environment every job starts from (HOME, USER, LOGNAME are added).
    JOB_BASE_ENVIRONMENT: dict[str, str] = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    # HOME given to every job (the agent cannot look it up on the cluster); {username} is the
    # mapped Slurm user.
    JOB_HOME_TEMPLATE: str = "/home/{username}"

    @field_validator("BASE_SLURMRESTD_URL")
    @classmethod
    def _check_slurmrestd_url(cls, value: str) -> str:
        if value.startswith("unix:"):
            if not value.removeprefix("unix:").lstrip("/"):
                raise ValueError("unix: needs a socket path, e.g. unix:/run/slurmrestd.sock")
            return value
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http://, https:// or unix:")
        return value.rstrip("/")

    @field_validator("SLURM_RESTD_VERSION")
    @classmethod
    def _check_version(cls, value: str) -> str:
        import re

        value = value.strip()
        if value == "auto" or re.fullmatch(r"v0\.0\.\d{2}", value):
            return value
        raise ValueError("must be 'auto' or a REST version such as v0.0.42")

    @field_validator("DEFAULT_SLURM_WORK_DIR", "JOB_HOME_TEMPLATE")
    @classmethod
    def _check_work_dir(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must be an absolute path template, e.g. /home/{username}")
        return value

    @field_validator("CACHE_DIR")
    @classmethod
    def _expand_cache_dir(cls, value: Path) -> Path:
        return value.expanduser()

    @model_validator(mode="after")
    def _check_token_source(self) -> Settings:
        if self.SLURMRESTD_JWT_KEY_PATH and self.SLURMRESTD_JWT_KEY_STRING:
            raise ValueError(
                "SLURMRESTD_JWT_KEY_PATH and SLURMRESTD_JWT_KEY_STRING are both set; keep one"
            )
        return self

    @property
    def single_user_submitter(self) -> str:
        return self.SINGLE_USER_SUBMITTER or self.X_SLURM_USER_NAME


def describe_validation_error(error: ValidationError) -> str:
    """One line per wrong setting, each naming it with its environment variable."""
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "settings"
        message = item["msg"].removeprefix("Value error, ")
        name = f"{ENV_PREFIX}{field}" if field != "settings" else "settings"
        lines.append(f"{name}: {message}")
    return "; ".join(lines)


@functools.lru_cache(maxsize=1)
def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise ConfigurationError(describe_validation_error(error)) from None
