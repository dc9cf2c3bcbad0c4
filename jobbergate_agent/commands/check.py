"""`jg-run check`: prove, one line per check, that the agent can do its work from this host.

Each line is `OK <check>: <what was seen>` or `FAIL <check>: <what is wrong>; <how to fix it>`.
The exit status is 0 only when every line is OK. The checks, in order: the settings; an OIDC
token; the Jobbergate API called with it; slurmrestd reached and its REST version negotiated;
Slurm accepting the agent's token for X_SLURM_USER_NAME (an authenticated read: a ping does not
prove it on 24.11+); accounting; and the user directory, when the LDAP mapper is configured.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable
from typing import Any

from jobbergate_agent.settings import ENV_PREFIX, ConfigurationError, Settings, load_settings

REQUIRED_PERMISSIONS = (
    "jobbergate:job-submissions:read",
    "jobbergate:job-submissions:update",
    "jobbergate:job-scripts:read",
    "jobbergate:clusters:update",
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="check the settings and every connection the agent needs",
        description="Validate the settings, get an OIDC token, call the Jobbergate API, reach "
        "slurmrestd, prove Slurm accepts the agent's token, and ask the user directory. One "
        "line per check (OK or FAIL with how to fix it); exit 0 only if all are OK.",
    )
    parser.set_defaults(func=check_command)


def check_command(args: argparse.Namespace) -> Any:
    return check()


class Checks:
    def __init__(self, printer: Callable[[str], None] = print) -> None:
        self.printer = printer
        self.failed = 0

    def ok(self, name: str, text: str) -> None:
        self.printer(f"OK {name}: {text}")

    def fail(self, name: str, text: str) -> None:
        self.failed += 1
        self.printer(f"FAIL {name}: {text}")

    async def run(
        self, name: str, step: Callable[[], Awaitable[str]], advice: Callable[[BaseException], str]
    ) -> bool:
        try:
            text = await step()
        except Exception as error:
            self.fail(name, f"{_one_line(error)}; {advice(error)}")
            return False
        self.ok(name, text)
        return True


async def check(
    *,
    settings: Settings | None = None,
    jobbergate: Any = None,
    slurm: Any = None,
    mapper: Any = None,
    printer: Callable[[str], None] = print,
    setup_logging: bool = True,
) -> int:
    """Run every check; the keyword arguments are for tests (built from settings otherwise)."""
    from jobbergate_agent.logs import configure_logging

    settings = settings or load_settings()  # a bad setting: cli.py prints the one line
    if setup_logging:  # only errors: the check lines are the output
        configure_logging(settings.model_copy(update={"LOG_LEVEL": "ERROR"}))
    checks = Checks(printer)
    checks.ok(
        "settings",
        f"Jobbergate {settings.BASE_API_URL} as {settings.OIDC_CLIENT_ID}, "
        f"slurmrestd {settings.BASE_SLURMRESTD_URL} ({settings.SLURMRESTD_AUTH_MODE} "
        f"mode), cache {settings.CACHE_DIR}",
    )
    try:
        settings.CACHE_DIR.mkdir(parents=True, exist_ok=True)
        probe = settings.CACHE_DIR / ".check-write"
        probe.write_text("ok")
        probe.unlink()
    except OSError as error:
        checks.fail(
            "cache directory",
            f"cannot write to {settings.CACHE_DIR} ({error.strerror}); "
            f"make it writable by this user or set {ENV_PREFIX}CACHE_DIR",
        )

    if jobbergate is None:
        from jobbergate_agent.jobbergate.client import JobbergateClient

        jobbergate = JobbergateClient(settings)
    try:
        await checks.run(
            "OIDC token",
            lambda: _token(jobbergate, settings),
            lambda e: _jobbergate_advice(e, settings),
        )
        await checks.run(
            "Jobbergate API",
            lambda: _api(jobbergate, settings),
            lambda e: _jobbergate_advice(e, settings),
        )
    finally:
        await jobbergate.aclose()

    if slurm is None:
        try:
            from jobbergate_agent.slurm.factory import build_slurm_client

            slurm = build_slurm_client(settings)
        except ConfigurationError as error:
            checks.fail("slurmrestd", f"{error}; fix that setting")
    if slurm is not None:
        try:
            reached = await checks.run(
                "slurmrestd",
                lambda: _slurmrestd(slurm, settings),
                lambda e: _slurm_advice(e, settings),
            )
            if reached:
                user = settings.X_SLURM_USER_NAME
                await checks.run(
                    "Slurm token",
                    lambda: _slurm_auth(slurm, user),
                    lambda e: _slurm_auth_advice(e, settings),
                )
                await checks.run(
                    "accounting",
                    lambda: _accounting(slurm),
                    lambda e: "check slurmdbd and the slurmrestd /slurmdb routes",
                )
        finally:
            await slurm.aclose()

    await _check_mapper(checks, settings, mapper)
    return 0 if checks.failed == 0 else 1


async def _token(jobbergate: Any, settings: Settings) -> str:
    claims = await jobbergate.check_token()
    client = claims.get("azp") or claims.get("client_id") or "?"
    if client != settings.OIDC_CLIENT_ID:
        raise ValueError(f"the token is for client {client}, not {settings.OIDC_CLIENT_ID}")
    parts = [f"got a token for client {client} from {settings.OIDC_DOMAIN}"]
    if isinstance(claims.get("exp"), int | float):
        parts.append(f"valid for {int(claims['exp'] - time.time())} s")
    permissions = claims.get("permissions")
    if isinstance(permissions, list):
        missing = [p for p in REQUIRED_PERMISSIONS if p not in permissions]
        if missing and "jobbergate:admin" not in permissions:
            raise PermissionError(f"the token lacks {', '.join(missing)}")
        parts.append("every permission the agent needs")
    return ", ".join(parts)


async def _api(jobbergate: Any, settings: Settings) -> str:
    active = await jobbergate.active_submissions()
    return f"{settings.BASE_API_URL} answered: {len(active)} active submission(s)"


async def _slurmrestd(slurm: Any, settings: Settings) -> str:
    version = await slurm.negotiate()
    ping = await slurm.ping(settings.X_SLURM_USER_NAME)
    release = f"Slurm {ping.slurm_release}" if ping.slurm_release else "Slurm release unknown"
    cluster = f", cluster {ping.cluster}" if ping.cluster else ""
    return (
        f"{settings.BASE_SLURMRESTD_URL} speaks REST {version} ({release}{cluster}); "
        f"token mode {slurm.token_mode}"
    )


async def _slurm_auth(slurm: Any, user: str) -> str:
    await slurm.check_auth(user)
    return f"Slurm accepts the agent's token for {user} ({slurm.token_mode})"


async def _accounting(slurm: Any) -> str:
    if slurm.has_accounting:
        return "slurmdbd is served: jobs purged by slurmctld are looked up there"
    return "not configured (no /slurmdb routes): a job slurmctld has purged is reported UNKNOWN"


async def _check_mapper(checks: Checks, settings: Settings, mapper: Any) -> None:
    from jobbergate_agent.agent.components import build_user_mapper

    try:
        mapper = mapper or build_user_mapper(settings)
    except ConfigurationError as error:
        checks.fail("user mapping", f"{error}; fix that setting")
        return
    try:
        probe = getattr(mapper, "check", None) or getattr(
            getattr(mapper, "directory", None), "check", None
        )
        name = getattr(mapper, "name", type(mapper).__name__)
        if probe is None:
            username = getattr(mapper, "username", None)
            checks.ok(
                "user mapping",
                f"{name}" + (f": every submission runs as {username}" if username else ""),
            )
            return
        where = getattr(getattr(mapper, "directory", None), "where", "the directory")

        async def ask() -> str:
            await probe()
            return f"{name}: {where} answers and accepts the agent's bind"

        await checks.run(
            "user directory",
            ask,
            lambda e: "check LDAP_URI, the bind credentials and that the server is reachable",
        )
    finally:
        await mapper.aclose()


# --- advice --------------------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _jobbergate_advice(error: BaseException, settings: Settings) -> str:
    from jobbergate_agent.jobbergate import errors as jg

    if isinstance(error, jg.JobbergateAuthError):
        realm = f"that {ENV_PREFIX}OIDC_DOMAIN ({settings.OIDC_DOMAIN}) is the realm"
        if "OIDC_CLIENT_SECRET" in str(error):  # the error already names the credentials
            return f"check {realm}"
        return f"check {ENV_PREFIX}OIDC_CLIENT_ID and {ENV_PREFIX}OIDC_CLIENT_SECRET, and {realm}"
    if isinstance(error, jg.JobbergateUnavailable):
        return (
            f"is {settings.BASE_API_URL} (or the OIDC server {settings.OIDC_DOMAIN}) "
            "reachable from this host? check the URL, DNS, proxies and firewalls"
        )
    if isinstance(error, jg.JobbergateForbidden | PermissionError):
        return f"give the agent's OIDC client the permissions {', '.join(REQUIRED_PERMISSIONS)}"
    if isinstance(error, ValueError):
        return f"set {ENV_PREFIX}OIDC_CLIENT_ID to the client the token is issued for"
    if isinstance(error, NotImplementedError):
        return "this build does not implement it yet"
    return f"check {ENV_PREFIX}BASE_API_URL and the API's logs"


def _slurm_advice(error: BaseException, settings: Settings) -> str:
    from jobbergate_agent.slurm import errors as se

    if isinstance(error, se.SlurmConnectionError):
        return (
            f"is slurmrestd running and listening at {settings.BASE_SLURMRESTD_URL}, and "
            "reachable from this host?"
        )
    if isinstance(error, se.SlurmVersionError):
        return (
            f"set {ENV_PREFIX}SLURM_RESTD_VERSION to a version this slurmrestd serves, or to auto"
        )
    if isinstance(error, se.SlurmAuthenticationError):
        return _slurm_auth_advice(error, settings)
    if isinstance(error, NotImplementedError):
        return "this build does not implement it yet"
    return f"check {ENV_PREFIX}BASE_SLURMRESTD_URL and slurmrestd's log"


def _slurm_auth_advice(error: BaseException, settings: Settings) -> str:
    user = settings.X_SLURM_USER_NAME
    if isinstance(error, NotImplementedError):
        return "this build does not implement it yet"
    if settings.SLURMRESTD_AUTH_MODE == "proxy":
        return (
            f"the proxy token must belong to SlurmUser or root ({ENV_PREFIX}"
            f"SLURMRESTD_PROXY_USER, or a token from `scontrol token username=slurm`), and "
            f"{user} ({ENV_PREFIX}X_SLURM_USER_NAME) must exist on slurmctld"
        )
    return (
        f"{ENV_PREFIX}SLURMRESTD_JWT_KEY_PATH must hold the cluster's key "
        "(AuthAltParameters=jwt_key= in slurm.conf, or jwks= for RS256), and "
        f"{user} ({ENV_PREFIX}X_SLURM_USER_NAME) must exist on slurmctld"
    )
