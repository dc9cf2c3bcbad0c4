"""How a request to slurmrestd says who it acts for.

A provider turns "act as user X" into the two headers slurmrestd's rest_auth/jwt reads,
X-SLURM-USER-NAME and X-SLURM-USER-TOKEN. Tokens are resolved per request (as Slinky's client
does), so a rotated key file or a re-issued static token is picked up without a restart.

- `UserTokens`: a token minted for each user (claim `sun` = the user), HS256 with the cluster's
  jwt_hs256.key or RS256 with a private key whose public half is in slurmctld's `jwks=`.
- `ProxyTokens`: one privileged token (SlurmUser or root) for every request, naming the user in
  X-SLURM-USER-NAME; the token is minted from the key, or given as a value or a file as
  `scontrol token` prints it.
"""

from __future__ import annotations

import os
import stat
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from pathlib import Path

import jwt

from jobbergate_agent.settings import ConfigurationError, Settings

Clock = Callable[[], float]

USER_HEADER = "X-SLURM-USER-NAME"
TOKEN_HEADER = "X-SLURM-USER-TOKEN"


def read_secret_file(path: Path, setting: str) -> bytes:
    """Read a key or token file, refusing one that others can read (as slurmctld refuses a
    world-readable key): a leaked cluster key lets anyone act as any user."""
    try:
        info = path.stat()
    except OSError as error:
        raise ConfigurationError(f"{setting}: cannot read {path}: {error.strerror}") from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"{setting}: {path} is readable by group or others (mode "
            f"{stat.S_IMODE(info.st_mode):04o}); run 'chmod 600 {path}'"
        )
    try:
        return path.read_bytes()
    except OSError as error:
        raise ConfigurationError(f"{setting}: cannot read {path}: {error.strerror}") from None


def parse_static_token(text: str) -> str:
    """Accept a bare JWT or the `SLURM_JWT=...` line that `scontrol token` prints."""
    token = text.strip()
    if token.startswith("SLURM_JWT="):
        token = token.removeprefix("SLURM_JWT=").strip()
    if token.count(".") != 2:
        raise ConfigurationError("the static slurmrestd token is not a JWT (expected a.b.c)")
    return token


class TokenMinter:
    """Signs `{sun, iat, exp}` tokens and keeps one per user until it nears expiry."""

    def __init__(
        self,
        key: bytes,
        *,
        algorithm: str = "HS256",
        kid: str | None = None,
        lifetime: int = 3600,
        clock: Clock = time.time,
    ) -> None:
        if algorithm == "RS256":
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            try:
                self._key: object = load_pem_private_key(key, password=None)
            except (ValueError, TypeError) as error:
                raise ConfigurationError(
                    f"SLURMRESTD_JWT_KEY_PATH: not an unencrypted PEM private key ({error})"
                ) from None
            if not kid:
                raise ConfigurationError(
                    "SLURMRESTD_JWT_KID: RS256 tokens need the key id (kid) of the JWKS entry"
                )
        else:
            if not key:
                raise ConfigurationError("SLURMRESTD_JWT_KEY_PATH: the HS256 key is empty")
            self._key = key
        self.algorithm = algorithm
        self.kid = kid
        self.lifetime = lifetime
        self._clock = clock
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def renew_at(self, expires: float) -> float:
        # Renew with a fifth of the lifetime left (at least a minute): a token handed out
        # must stay valid for the whole request, retries included.
        return expires - max(60.0, self.lifetime / 5)

    def token_for(self, user: str) -> str:
        now = self._clock()
        with self._lock:
            cached = self._cache.get(user)
            if cached and now < self.renew_at(cached[1]):
                return cached[0]
            issued = int(now)
            expires = issued + self.lifetime
            headers = {"kid": self.kid} if self.kid else None
            token = jwt.encode(
                {"sun": user, "iat": issued, "exp": expires},
                self._key,  # type: ignore[arg-type]
                algorithm=self.algorithm,
                headers=headers,
            )
            self._cache[user] = (token, float(expires))
            return token

    def forget(self, user: str) -> None:
        with self._lock:
            self._cache.pop(user, None)


class TokenProvider(ABC):
    mode: str

    @abstractmethod
    def headers_for(self, user: str) -> dict[str, str]:
        """The authentication headers for a request acting as `user`."""

    def invalidate(self, user: str) -> None:  # noqa: B027 - optional hook
        """Slurm refused the token for `user`: make the next call produce a fresh one."""


class UserTokens(TokenProvider):
    def __init__(self, minter: TokenMinter) -> None:
        self.minter = minter
        self.mode = f"per-user {minter.algorithm} tokens"

    def headers_for(self, user: str) -> dict[str, str]:
        return {USER_HEADER: user, TOKEN_HEADER: self.minter.token_for(user)}

    def invalidate(self, user: str) -> None:
        self.minter.forget(user)


class ProxyTokens(TokenProvider):
    """A privileged token acting for the user named in X-SLURM-USER-NAME."""

    def __init__(
        self,
        *,
        minter: TokenMinter | None = None,
        proxy_user: str = "slurm",
        static_token: str | None = None,
        token_file: Path | None = None,
    ) -> None:
        sources = sum(x is not None for x in (minter, static_token, token_file))
        if sources != 1:
            raise ConfigurationError(
                "proxy mode needs exactly one of SLURMRESTD_JWT_KEY_PATH/_STRING (to mint), "
                "X_SLURM_USER_TOKEN or SLURMRESTD_JWT_TOKEN_FILE"
            )
        self._minter = minter
        self._proxy_user = proxy_user
        self._static = parse_static_token(static_token) if static_token else None
        self._file = token_file
        self._file_cache: tuple[float, str] | None = None
        if minter is not None:
            self.mode = f"proxy as {proxy_user} ({minter.algorithm} token minted from the key)"
        elif token_file is not None:
            self.mode = f"proxy (static token from {token_file})"
            self._token_from_file()  # fail at start-up, not on the first job
        else:
            self.mode = "proxy (static token from X_SLURM_USER_TOKEN)"

    def _token_from_file(self) -> str:
        assert self._file is not None
        try:
            mtime = os.stat(self._file).st_mtime
        except OSError as error:
            raise ConfigurationError(
                f"SLURMRESTD_JWT_TOKEN_FILE: cannot read {self._file}: {error.strerror}"
            ) from None
        if self._file_cache and self._file_cache[0] == mtime:
            return self._file_cache[1]
        text = read_secret_file(self._file, "SLURMRESTD_JWT_TOKEN_FILE").decode()
        token = parse_static_token(text)
        self._file_cache = (mtime, token)
        return token

    def _token(self) -> str:
        if self._minter is not None:
            return self._minter.token_for(self._proxy_user)
        if self._file is not None:
            return self._token_from_file()
        assert self._static is not None
        return self._static

    def headers_for(self, user: str) -> dict[str, str]:
        return {USER_HEADER: user, TOKEN_HEADER: self._token()}

    def invalidate(self, user: str) -> None:
        if self._minter is not None:
            self._minter.forget(self._proxy_user)
        self._file_cache = None


def build_token_provider(settings: Settings, clock: Clock = time.time) -> TokenProvider:
    """The provider that SLURMRESTD_AUTH_MODE and the key/token settings describe."""
    key: bytes | None = None
    if settings.SLURMRESTD_JWT_KEY_PATH is not None:
        key = read_secret_file(settings.SLURMRESTD_JWT_KEY_PATH, "SLURMRESTD_JWT_KEY_PATH")
    elif settings.SLURMRESTD_JWT_KEY_STRING is not None:
        key = settings.SLURMRESTD_JWT_KEY_STRING.get_secret_value().encode()
    minter = None
    if key is not None:
        minter = TokenMinter(
            key,
            algorithm=settings.SLURMRESTD_JWT_ALGORITHM,
            kid=settings.SLURMRESTD_JWT_KID,
            lifetime=settings.SLURMRESTD_EXP_TIME_IN_SECONDS,
            clock=clock,
        )
    if settings.SLURMRESTD_AUTH_MODE == "user":
        if minter is None:
            raise ConfigurationError(
                "SLURMRESTD_JWT_KEY_PATH: per-user tokens (SLURMRESTD_AUTH_MODE=user) are minted "
                "with the cluster's JWT key; set its path, or use SLURMRESTD_AUTH_MODE=proxy "
                "with a static token"
            )
        return UserTokens(minter)
    static = settings.X_SLURM_USER_TOKEN.get_secret_value() if settings.X_SLURM_USER_TOKEN else None
    if minter is not None and (static or settings.SLURMRESTD_JWT_TOKEN_FILE):
        raise ConfigurationError(
            "SLURMRESTD_AUTH_MODE=proxy: give either a JWT key to mint with or a static token "
            "(X_SLURM_USER_TOKEN / SLURMRESTD_JWT_TOKEN_FILE), not both"
        )
    return ProxyTokens(
        minter=minter,
        proxy_user=settings.SLURMRESTD_PROXY_USER,
        static_token=static,
        token_file=settings.SLURMRESTD_JWT_TOKEN_FILE,
    )
