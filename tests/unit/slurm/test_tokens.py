"""Token providers: claims, caching and renewal, headers, key file safety, static tokens."""

from __future__ import annotations

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from jobbergate_agent.settings import ConfigurationError, Settings
from jobbergate_agent.slurm.tokens import (
    ProxyTokens,
    TokenMinter,
    UserTokens,
    build_token_provider,
    parse_static_token,
)

KEY = b"k" * 32


class FakeClock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def decode(token: str, key: bytes = KEY) -> dict:
    # The fake clock is in the past: check the signature, not the expiry.
    return jwt.decode(token, key, algorithms=["HS256"], options={"verify_exp": False})


def test_user_token_claims_and_headers():
    clock = FakeClock()
    provider = UserTokens(TokenMinter(KEY, lifetime=600, clock=clock))
    headers = provider.headers_for("alice")
    assert headers["X-SLURM-USER-NAME"] == "alice"
    claims = decode(headers["X-SLURM-USER-TOKEN"])
    assert claims == {"sun": "alice", "iat": 1_000_000, "exp": 1_000_600}


def test_tokens_are_cached_per_user_and_renewed_before_expiry():
    clock = FakeClock()
    minter = TokenMinter(KEY, lifetime=600, clock=clock)
    first = minter.token_for("alice")
    assert minter.token_for("alice") == first
    assert minter.token_for("bob") != first
    clock.now += 600 - 121  # more than the renewal margin (max(60, 600/5)) left
    assert minter.token_for("alice") == first
    clock.now += 2  # now inside the margin: a fresh token
    renewed = minter.token_for("alice")
    assert renewed != first
    assert decode(renewed)["exp"] == int(clock.now) + 600


def test_invalidate_forces_a_new_token():
    clock = FakeClock()
    provider = UserTokens(TokenMinter(KEY, lifetime=600, clock=clock))
    first = provider.headers_for("alice")["X-SLURM-USER-TOKEN"]
    clock.now += 1
    provider.invalidate("alice")
    assert provider.headers_for("alice")["X-SLURM-USER-TOKEN"] != first


def test_proxy_minted_token_acts_for_the_user():
    provider = ProxyTokens(minter=TokenMinter(KEY), proxy_user="slurm")
    headers = provider.headers_for("bob")
    assert headers["X-SLURM-USER-NAME"] == "bob"
    assert decode(headers["X-SLURM-USER-TOKEN"])["sun"] == "slurm"


def test_static_token_forms():
    token = jwt.encode({"sun": "slurm"}, KEY, algorithm="HS256")
    assert parse_static_token(f"SLURM_JWT={token}\n") == token
    assert parse_static_token(f"  {token} ") == token
    with pytest.raises(ConfigurationError, match="not a JWT"):
        parse_static_token("garbage")


def test_static_token_file_is_reread_when_it_changes(tmp_path):
    path = tmp_path / "token"
    first = jwt.encode({"sun": "slurm", "n": 1}, KEY, algorithm="HS256")
    path.write_text(f"SLURM_JWT={first}\n")
    path.chmod(0o600)
    provider = ProxyTokens(token_file=path)
    assert provider.headers_for("alice")["X-SLURM-USER-TOKEN"] == first
    second = jwt.encode({"sun": "slurm", "n": 2}, KEY, algorithm="HS256")
    path.write_text(second)
    import os

    os.utime(path, (1, 2))  # a different mtime, as a rewrite would give
    assert provider.headers_for("alice")["X-SLURM-USER-TOKEN"] == second


def test_rs256_token_carries_kid_and_verifies(tmp_path):
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    minter = TokenMinter(pem, algorithm="RS256", kid="lab-key")
    token = minter.token_for("alice")
    assert jwt.get_unverified_header(token)["kid"] == "lab-key"
    claims = jwt.decode(token, private.public_key(), algorithms=["RS256"])
    assert claims["sun"] == "alice"


def test_rs256_needs_a_kid_and_a_pem_key():
    with pytest.raises(ConfigurationError, match="PEM"):
        TokenMinter(b"not a pem", algorithm="RS256", kid="x")


def _key_file(tmp_path, mode: int):
    path = tmp_path / "jwt_hs256.key"
    path.write_bytes(KEY)
    path.chmod(mode)
    return path


def test_key_file_readable_by_others_is_refused(tmp_path):
    settings = Settings(SLURMRESTD_JWT_KEY_PATH=_key_file(tmp_path, 0o644))
    with pytest.raises(ConfigurationError) as error:
        build_token_provider(settings)
    message = str(error.value)
    assert "SLURMRESTD_JWT_KEY_PATH" in message and "chmod 600" in message
    assert "kkkk" not in message  # never the key itself


def test_build_user_provider_from_key_file(tmp_path):
    settings = Settings(SLURMRESTD_JWT_KEY_PATH=_key_file(tmp_path, 0o600))
    provider = build_token_provider(settings)
    assert isinstance(provider, UserTokens)
    assert decode(provider.headers_for("carol")["X-SLURM-USER-TOKEN"])["sun"] == "carol"


def test_user_mode_without_key_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="SLURMRESTD_JWT_KEY_PATH"):
        build_token_provider(Settings())


def test_missing_key_file_names_the_setting(tmp_path):
    settings = Settings(SLURMRESTD_JWT_KEY_PATH=tmp_path / "absent")
    with pytest.raises(ConfigurationError, match="SLURMRESTD_JWT_KEY_PATH: cannot read"):
        build_token_provider(settings)


def test_proxy_mode_with_static_token():
    token = jwt.encode({"sun": "slurm"}, KEY, algorithm="HS256")
    settings = Settings(SLURMRESTD_AUTH_MODE="proxy", X_SLURM_USER_TOKEN=f"SLURM_JWT={token}")
    provider = build_token_provider(settings)
    assert provider.headers_for("dave") == {
        "X-SLURM-USER-NAME": "dave",
        "X-SLURM-USER-TOKEN": token,
    }
    assert "static token" in provider.mode


def test_proxy_mode_with_key_and_static_token_is_ambiguous(tmp_path):
    token = jwt.encode({"sun": "slurm"}, KEY, algorithm="HS256")
    settings = Settings(
        SLURMRESTD_AUTH_MODE="proxy",
        X_SLURM_USER_TOKEN=token,
        SLURMRESTD_JWT_KEY_PATH=_key_file(tmp_path, 0o600),
    )
    with pytest.raises(ConfigurationError, match="not both"):
        build_token_provider(settings)
