"""No token, key, secret or password in logs or Sentry events."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import jwt
import pytest
from loguru import logger

from jobbergate_agent.logs import REDACTED, Redactor, configure_logging, scrub_event
from jobbergate_agent.settings import Settings

ROOT = Path(__file__).resolve().parents[3]
TOKEN = jwt.encode({"sun": "alice", "exp": 2000000000}, "k" * 32, algorithm="HS256")


@pytest.fixture
def restore_logger():
    yield
    logger.remove()
    logger.configure(patcher=lambda record: None)
    logger.add(sys.stderr)


def test_redactor_removes_tokens_secrets_and_pairs():
    redactor = Redactor(["s3cr3t-client-value", "ldap-pw-123"])
    text = redactor.redact(
        f"token {TOKEN}; secret s3cr3t-client-value; Authorization: Bearer abcdefghijklmnop; "
        "password=ldap-pw-123 client_secret='other-one' X-SLURM-USER-TOKEN: zzzzzzzz"
    )
    for secret in (
        TOKEN,
        "s3cr3t-client-value",
        "ldap-pw-123",
        "abcdefghijklmnop",
        "other-one",
        "zzzzzzzz",
    ):
        assert secret not in text
    assert text.count(REDACTED) >= 6


def test_ordinary_lines_are_left_alone():
    redactor = Redactor(["s3cr3t"])
    line = "submission 4 [user alice, Slurm job 1001]: reported to Jobbergate as RUNNING"
    assert redactor.redact(line) == line
    assert redactor.redact("token mode per-user HS256") == "token mode per-user HS256"
    prose = "failed while fetching the agent's access token: ConnectError: connection refused"
    assert redactor.redact(prose) == prose


def test_json_and_header_forms():
    redactor = Redactor()
    text = redactor.redact('body {"client_secret": "abc123xyz", "id": 4} Cookie: session=qwerty')
    assert "abc123xyz" not in text and "qwerty" not in text
    assert '"id": 4' in text


def test_logging_redacts_messages_extras_and_tracebacks(tmp_path, restore_logger):
    settings = Settings(
        OIDC_CLIENT_SECRET="s3cr3t-client-value", LDAP_PASSWORD="ldap-pw-123", CACHE_DIR=tmp_path
    )
    stream = io.StringIO()
    configure_logging(settings, stream=stream)

    logger.info("the secret is s3cr3t-client-value and the token {}", TOKEN)
    logger.bind(password="ldap-pw-123").info("bound {extra}", extra="x")
    try:
        raise RuntimeError(f"request failed with Authorization: Bearer {TOKEN}")
    except RuntimeError:
        logger.exception("failure")
    logger.debug("below LOG_LEVEL, not shown")

    output = stream.getvalue()
    assert "s3cr3t-client-value" not in output and "ldap-pw-123" not in output
    assert TOKEN not in output and TOKEN.split(".")[1] not in output
    assert "RuntimeError" in output and REDACTED in output
    assert "below LOG_LEVEL" not in output


def test_token_file_contents_are_secrets(tmp_path, restore_logger):
    token_file = tmp_path / "token"
    token_file.write_text("SLURM_JWT=not-a-jwt-but-secret\n")
    settings = Settings(
        SLURMRESTD_AUTH_MODE="proxy", SLURMRESTD_JWT_TOKEN_FILE=token_file, CACHE_DIR=tmp_path
    )
    stream = io.StringIO()
    configure_logging(settings, stream=stream)
    logger.warning("sent not-a-jwt-but-secret")
    assert "not-a-jwt-but-secret" not in stream.getvalue()


def test_sentry_scrubber(tmp_path, restore_logger):
    configure_logging(
        Settings(OIDC_CLIENT_SECRET="s3cr3t-client-value", CACHE_DIR=tmp_path), stream=io.StringIO()
    )
    event = {
        "message": "failed with s3cr3t-client-value",
        "request": {"headers": {"Authorization": f"Bearer {TOKEN}", "Accept": "json"}},
        "extra": {"client_secret": "anything", "submission": 4},
        "exception": {"values": [{"type": "X", "value": f"token={TOKEN}"}]},
        "breadcrumbs": {"values": [{"message": f"GET with {TOKEN}"}]},
    }
    scrubbed = scrub_event(event, {})
    text = json.dumps(scrubbed)
    assert "s3cr3t-client-value" not in text and TOKEN not in text and "anything" not in text
    assert scrubbed["request"]["headers"]["Accept"] == "json"
    assert scrubbed["extra"]["submission"] == 4


def test_sentry_is_not_imported_without_a_dsn():
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from jobbergate_agent.logs import init_sentry
        from jobbergate_agent.settings import Settings
        assert init_sentry(Settings()) is False
        print("sentry_sdk" in sys.modules)
    """)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == "False", result.stderr


def test_sentry_with_a_dsn_scrubs_before_sending():
    code = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        import sentry_sdk
        from jobbergate_agent.logs import configure_logging, init_sentry
        from jobbergate_agent.settings import Settings
        settings = Settings(SENTRY_DSN="https://publickey@127.0.0.1:9/1",
                            OIDC_CLIENT_SECRET="s3cr3t-client-value")
        configure_logging(settings)
        assert init_sentry(settings) is True
        hook = sentry_sdk.get_client().options["before_send"]
        event = hook({{"message": "s3cr3t-client-value publickey", "extra": {{"token": "x"}}}},
                     {{}})
        print(json.dumps(event))
    """)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    event = json.loads(result.stdout.strip().splitlines()[-1])
    assert "s3cr3t-client-value" not in event["message"]
    assert event["extra"]["token"] == REDACTED
