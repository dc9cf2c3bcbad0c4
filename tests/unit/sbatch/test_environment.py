"""The job environment: base, identity, --export and --get-user-env, never the agent's own."""

from __future__ import annotations

import pytest

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.sbatch import TranslationError

from .conftest import directives, make

BASE = {"PATH": "/usr/local/bin:/usr/bin:/bin"}
IDENTITY = {"HOME": "/home/jgalice", "USER": "jgalice", "LOGNAME": "jgalice"}
# sbatch exports the directory it ran in; the agent uses the working directory
SUBMIT = {"SLURM_SUBMIT_DIR": "/home/jgalice", "SLURM_PRIO_PROCESS": "0"}


def env(*lines: str, args=(), **kwargs) -> dict[str, str]:  # type: ignore[no-untyped-def]
    built = make(directives(*lines), args, **kwargs)
    assert built.job.environment is not None
    return built.job.environment


def test_default_is_base_plus_identity():
    assert env() == {**BASE, **IDENTITY, **SUBMIT}


def test_the_agents_own_environment_never_leaks(monkeypatch):
    monkeypatch.setenv("JOBBERGATE_AGENT_OIDC_CLIENT_SECRET", "s3cret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "leak")
    values = " ".join(f"{k}={v}" for k, v in env("--export=ALL").items())
    assert "s3cret" not in values and "leak" not in values
    assert "AWS_SECRET_ACCESS_KEY" not in values


def test_base_and_home_come_from_settings():
    settings = Settings(
        JOB_BASE_ENVIRONMENT={"PATH": "/opt/bin:/bin", "LANG": "C.UTF-8", "HOME": "/ignored"},
        JOB_HOME_TEMPLATE="/users/{username}",
    )
    got = env(settings=settings, username="jgbob")
    assert got == {
        "PATH": "/opt/bin:/bin",
        "LANG": "C.UTF-8",
        "HOME": "/users/jgbob",
        "USER": "jgbob",
        "LOGNAME": "jgbob",
        "SLURM_SUBMIT_DIR": "/home/jgbob",
        "SLURM_PRIO_PROCESS": "0",
    }


def test_export_all_adds_slurm_export_env():
    assert env("--export=ALL") == {**BASE, **IDENTITY, **SUBMIT, "SLURM_EXPORT_ENV": "ALL"}


def test_export_all_with_values_lets_the_submission_environment_win():
    got = env("--export=ALL,FOO=bar,PATH=/mine")
    assert got["FOO"] == "bar"
    assert got["PATH"] == BASE["PATH"]
    assert got["SLURM_EXPORT_ENV"] == "ALL,FOO=bar,PATH=/mine"


def test_export_none_leaves_only_what_slurm_needs():
    assert env("--export=NONE") == {"SLURM_EXPORT_ENV": "NONE", "SLURM_GET_USER_ENV": "1", **SUBMIT}


def test_export_list_passes_only_those_and_loads_the_login_environment():
    got = env("--export=FOO=1,PATH,USER")
    assert got == {
        "FOO": "1",
        "PATH": BASE["PATH"],
        "USER": "jgalice",
        "SLURM_EXPORT_ENV": "FOO=1,PATH,USER",
        "SLURM_GET_USER_ENV": "1",
        **SUBMIT,
    }


def test_last_export_wins_and_arguments_override_the_script():
    got = env("--export=NONE", args=["--export=ALL,A=1"])
    assert got["A"] == "1" and got["SLURM_EXPORT_ENV"] == "ALL,A=1"


def test_value_with_equals_sign_is_kept():
    assert env("--export=ALL,OPTS=a=b")["OPTS"] == "a=b"


def test_unknown_bare_name_is_rejected_with_advice():
    with pytest.raises(TranslationError) as error:
        env("--export=EDITOR")
    assert str(error.value) == (
        "--export=EDITOR on line 2 asks to pass EDITOR from the submitting environment, but "
        "the agent's job environment has no EDITOR (it is not your login shell); give it a "
        "value, e.g. --export=EDITOR=VALUE"
    )


def test_bad_variable_name_is_rejected():
    with pytest.raises(TranslationError, match=r"'1X' is not a variable name"):
        env("--export=1X=2")


def test_get_user_env_sets_the_variable_sbatch_sets():
    assert env("--get-user-env") == {**BASE, **IDENTITY, **SUBMIT, "SLURM_GET_USER_ENV": "1"}
    built = make(directives("--get-user-env"))
    assert built.origin_of("environment") == "script line 2"


def test_environment_origin_is_the_base_without_options():
    assert make(directives()).origin_of("environment") == "JOB_BASE_ENVIRONMENT"


def test_home_template_with_unknown_placeholder_is_a_clear_error():
    settings = Settings(JOB_HOME_TEMPLATE="/home/{user}")
    with pytest.raises(
        TranslationError,
        match=r"JOB_HOME_TEMPLATE .* may only use the "
        r"placeholder \{username\}",
    ):
        make("#!/bin/sh\n", settings=settings)


def test_sbatch_option_variables_match_a_real_sbatch_job():
    # What Slurm 26.05's sbatch put in the environment of a lab job with these options
    # (the variables slurmd sets itself, like SLURM_JOB_ID, left out).
    line = (
        "-n1 -c2 --mem=100 --gpus=1 --gpu-bind=closest --gpu-freq=high "
        "--dependency=singleton --open-mode=append --distribution=cyclic "
        "--ntasks-per-node=1 --threads-per-core=1 --overcommit --spread-job "
        "--acctg-freq=task=30 --mem-bind=local --network=x --ntasks-per-core=1 "
        "--ntasks-per-socket=1 -J envb --exclusive"
    )
    got = {k: v for k, v in env(line, execution_directory="/tmp").items() if k.startswith("SLURM_")}
    assert got == {
        "SLURM_ACCTG_FREQ": "task=30",
        "SLURM_CPUS_PER_TASK": "2",
        "SLURM_DISTRIBUTION": "cyclic",
        "SLURM_GPUS": "1",
        "SLURM_GPU_FREQ": "high",
        "SLURM_JOB_DEPENDENCY": "singleton",
        "SLURM_MEM_BIND": "local",
        "SLURM_MEM_BIND_VERBOSE": "quiet",
        "SLURM_MEM_PER_NODE": "100",
        "SLURM_NETWORK": "x",
        "SLURM_NPROCS": "1",
        "SLURM_NTASKS": "1",
        "SLURM_NTASKS_PER_CORE": "1",
        "SLURM_NTASKS_PER_NODE": "1",
        "SLURM_NTASKS_PER_SOCKET": "1",
        "SLURM_OPEN_MODE": "a",
        "SLURM_OVERCOMMIT": "1",
        "SLURM_PRIO_PROCESS": "0",
        "SLURM_SUBMIT_DIR": "/tmp",
        "SLURM_THREADS_PER_CORE": "1",
        "SLURM_TRES_BIND": "gres/gpu:closest",
        "SLURM_TRES_PER_TASK": "cpu=2",
    }


def test_gpus_per_task_variables_like_sbatch():
    # Slurm 24.11's sbatch, -n2 -c1 --gpus-per-task=1: TresPerTask=cpu=1,gres/gpu=1 and
    # TresBind=gres/gpu:per_task:1.
    got = env("-n2 -c1 --gpus-per-task=1")
    assert got["SLURM_TRES_PER_TASK"] == "cpu=1,gres/gpu=1"
    assert got["SLURM_TRES_BIND"] == "gres/gpu:per_task:1"
    assert got["SLURM_GPUS_PER_TASK"] == "1"
    typed = env("--gpus-per-task=fake:1")
    assert typed["SLURM_TRES_PER_TASK"] == "gres/gpu:fake=1"


def test_option_variables_are_set_with_export_none_too():
    got = env("--export=NONE -c 2")
    assert got["SLURM_CPUS_PER_TASK"] == "2" and "PATH" not in got
