"""Shared test set-up: every test starts from default settings, with its own cache directory."""

from __future__ import annotations

import os

import pytest

from jobbergate_agent.settings import ENV_PREFIX, load_settings


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    # Settings come from the environment and .env: neither the developer's nor CI's may leak in.
    for name in list(os.environ):
        if name.startswith(ENV_PREFIX):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(f"{ENV_PREFIX}CACHE_DIR", str(tmp_path / "cache"))
    load_settings.cache_clear()
    yield
    load_settings.cache_clear()
