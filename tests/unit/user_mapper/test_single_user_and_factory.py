"""The single-user mapper, the factory and plugin loading through entry points."""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

import pytest

from jobbergate_agent.settings import ConfigurationError, Settings
from jobbergate_agent.user_mapper import UnmappableUserError, UserMapper, build_user_mapper, factory
from jobbergate_agent.user_mapper.ldap import LDAPCachedMapper
from jobbergate_agent.user_mapper.single_user import SingleUserMapper


async def test_default_mapper_maps_everyone_to_x_slurm_user_name():
    mapper = build_user_mapper(Settings(X_SLURM_USER_NAME="hpcuser"))
    assert isinstance(mapper, SingleUserMapper)
    assert await mapper.username_for("a@example.com") == "hpcuser"
    assert await mapper.username_for("b@example.org") == "hpcuser"
    result = await mapper.lookup("a@example.com")
    assert result.source == "single-user-mapper" and "X_SLURM_USER_NAME" in result.detail
    await mapper.aclose()


async def test_single_user_submitter_wins():
    settings = Settings(
        SLURM_USER_MAPPER="single-user-mapper",
        X_SLURM_USER_NAME="ubuntu",
        SINGLE_USER_SUBMITTER="jobs",
    )
    async with build_user_mapper(settings) as mapper:
        assert await mapper.username_for("a@example.com") == "jobs"


@pytest.mark.parametrize(
    ("values", "setting"),
    [
        ({"X_SLURM_USER_NAME": ""}, "JOBBERGATE_AGENT_X_SLURM_USER_NAME"),
        ({"SINGLE_USER_SUBMITTER": "bad name"}, "JOBBERGATE_AGENT_SINGLE_USER_SUBMITTER"),
        ({"X_SLURM_USER_NAME": "x;rm -rf"}, "JOBBERGATE_AGENT_X_SLURM_USER_NAME"),
    ],
)
def test_single_user_bad_names(values, setting):
    with pytest.raises(ConfigurationError, match=setting):
        build_user_mapper(Settings(**values))


def test_the_declared_entry_points_are_installed():
    names = {ep.name: ep.value for ep in entry_points(group="jobbergate_agent.user_mapper")}
    assert (
        names["single-user-mapper"] == "jobbergate_agent.user_mapper.single_user:SingleUserMapper"
    )
    assert names["ldap-cached-mapper"] == "jobbergate_agent.user_mapper.ldap:LDAPCachedMapper"


def test_ldap_mapper_without_uri_names_the_setting():
    with pytest.raises(ConfigurationError) as caught:
        build_user_mapper(Settings(SLURM_USER_MAPPER="ldap-cached-mapper"))
    assert str(caught.value).startswith("JOBBERGATE_AGENT_LDAP_URI:")


def test_ldap_mapper_builds_without_touching_the_network(tmp_path):
    settings = Settings(
        SLURM_USER_MAPPER="ldap-cached-mapper",
        LDAP_URI="ldaps://dc.invalid",
        LDAP_AUTH_TYPE="SIMPLE",
        LDAP_SEARCH_BASE="dc=x",
        CACHE_DIR=tmp_path,
    )
    mapper = build_user_mapper(settings)
    assert isinstance(mapper, LDAPCachedMapper)
    assert (tmp_path / "user-mapper.sqlite").exists()


def test_unknown_mapper_lists_the_installed_ones():
    with pytest.raises(ConfigurationError) as caught:
        build_user_mapper(Settings(SLURM_USER_MAPPER="nis-mapper"))
    message = str(caught.value)
    assert "JOBBERGATE_AGENT_SLURM_USER_MAPPER" in message and "'nis-mapper'" in message
    assert "ldap-cached-mapper" in message and "single-user-mapper" in message


# --- plugins ------------------------------------------------------------------------------


class PrefixMapper(UserMapper):
    """What a third-party plugin looks like: a callable taking the settings."""

    name = "prefix-mapper"

    def __init__(self, settings: Settings) -> None:
        self.prefix = settings.X_SLURM_USER_NAME
        self.closed = False

    async def username_for(self, email: str) -> str:
        return f"{self.prefix}_{email.split('@')[0]}"

    async def aclose(self) -> None:
        self.closed = True


class DuckMapper:
    """A plugin need not subclass UserMapper, it only needs the two methods."""

    async def username_for(self, email: str) -> str:
        return "duck"

    async def aclose(self) -> None:
        return None


def not_a_mapper(settings: Settings) -> object:
    return {"a@example.com": "a"}  # the upstream agent's Mapping protocol: no longer enough


def fake_entry_points(monkeypatch, **values: str) -> None:
    eps = [EntryPoint(name, value, factory.ENTRY_POINT_GROUP) for name, value in values.items()]

    def fake(*, group: str):
        assert group == factory.ENTRY_POINT_GROUP
        return eps

    monkeypatch.setattr(factory, "entry_points", fake)


async def test_plugin_from_an_entry_point(monkeypatch):
    fake_entry_points(monkeypatch, **{"prefix-mapper": f"{__name__}:PrefixMapper"})
    mapper = build_user_mapper(Settings(SLURM_USER_MAPPER="prefix-mapper", X_SLURM_USER_NAME="c"))
    assert isinstance(mapper, PrefixMapper)
    assert await mapper.username_for("jane.doe@example.com") == "c_jane.doe"
    await mapper.aclose()
    assert mapper.closed
    # the built-in ones stay available next to the plugin
    assert isinstance(build_user_mapper(Settings()), SingleUserMapper)


async def test_duck_typed_plugin(monkeypatch):
    fake_entry_points(monkeypatch, duck=f"{__name__}:duck_factory")
    mapper = build_user_mapper(Settings(SLURM_USER_MAPPER="duck"))
    assert await mapper.username_for("x@example.com") == "duck"


def duck_factory(settings: Settings) -> DuckMapper:
    return DuckMapper()


def test_plugin_returning_something_else_is_a_configuration_error(monkeypatch):
    fake_entry_points(monkeypatch, old=f"{__name__}:not_a_mapper")
    with pytest.raises(ConfigurationError, match="lacks `async username_for"):
        build_user_mapper(Settings(SLURM_USER_MAPPER="old"))


def test_plugin_that_cannot_be_imported_is_a_configuration_error(monkeypatch):
    fake_entry_points(monkeypatch, broken="no_such_package.mappers:Mapper")
    with pytest.raises(ConfigurationError) as caught:
        build_user_mapper(Settings(SLURM_USER_MAPPER="broken"))
    assert "'broken'" in str(caught.value) and "ModuleNotFoundError" in str(caught.value)


async def test_the_readme_plugin_example_works(monkeypatch):
    import re
    import sys
    import types
    from pathlib import Path

    import jobbergate_agent.user_mapper as package

    readme = (Path(package.__file__).parent / "README.md").read_text()
    source = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    module = types.ModuleType("my_site_mapper")
    exec(compile(source, "README.md", "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, "my_site_mapper", module)
    entry = re.search(r'^(local-part-mapper) = "(.+)"$', readme, re.M)
    fake_entry_points(monkeypatch, **{entry.group(1): entry.group(2)})

    async with build_user_mapper(Settings(SLURM_USER_MAPPER="local-part-mapper")) as mapper:
        assert await mapper.username_for("Jane.Doe@hpc.example.edu") == "jane.doe"
        with pytest.raises(UnmappableUserError, match=r"only @hpc\.example\.edu"):
            await mapper.username_for("jane@gmail.com")
