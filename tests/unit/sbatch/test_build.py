"""Working directory, script delivery, limits, and wording adapters' refusals."""

from __future__ import annotations

import pytest

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.errors import UnsupportedJobField
from jobbergate_agent.slurm.sbatch import TranslationError, build_job, describe_unsupported

from .conftest import directives, make


def test_workdir_defaults_to_the_template():
    built = make("#!/bin/sh\n", username="jgbob")
    assert built.job.current_working_directory == "/home/jgbob"
    assert built.origin_of("current_working_directory") == "DEFAULT_SLURM_WORK_DIR"


def test_chdir_beats_the_template():
    built = make(directives("-D /scratch/run1"))
    assert built.job.current_working_directory == "/scratch/run1"
    assert built.origin_of("current_working_directory") == "script line 2"


def test_execution_directory_beats_chdir_and_says_so():
    built = make(directives("--chdir=/scratch/run1"), execution_directory="/data/sub9")
    assert built.job.current_working_directory == "/data/sub9"
    assert built.origin_of("current_working_directory") == "submission execution_directory"
    assert built.options[0].note == "overridden by the submission's execution_directory"


def test_relative_execution_directory_is_rejected():
    with pytest.raises(
        TranslationError,
        match=r"execution_directory 'runs/1' is not an "
        r"absolute path",
    ):
        make("#!/bin/sh\n", execution_directory="runs/1")


def test_template_is_configurable():
    settings = Settings(DEFAULT_SLURM_WORK_DIR="/scratch/{username}/jobs")
    assert (
        make("#!/bin/sh\n", settings=settings).job.current_working_directory
        == "/scratch/jgalice/jobs"
    )


def test_wrapper_is_the_script_by_default_and_keeps_the_header():
    built = make(directives("-t 5", "-J x"), ["--qos=high"])
    script = built.job.script
    assert script is not None
    lines = script.splitlines()
    assert lines[0] == "#!/bin/sh"
    assert lines[1:3] == ["#SBATCH -t 5", "#SBATCH -J x"]
    assert lines[3] == "# sbatch_arguments: --qos=high"
    assert "cd '/home/jgalice' ||" in script


def test_without_file_delivery_the_entrypoint_goes_as_is():
    settings = Settings(WRITE_SUBMISSION_FILES=False)
    text = directives("-t 5")
    assert make(text, settings=settings).job.script == text


def test_without_file_delivery_support_files_are_rejected():
    settings = Settings(WRITE_SUBMISSION_FILES=False)
    with pytest.raises(TranslationError) as error:
        make("#!/bin/sh\n", settings=settings, support_files={"in.dat": b"1"})
    message = str(error.value)
    assert "WRITE_SUBMISSION_FILES=false" in message and "stages files itself" in message
    assert "in.dat" in message


def test_script_size_limit_names_size_and_limit():
    settings = Settings(MAX_BATCH_SCRIPT_BYTES=4096)
    with pytest.raises(TranslationError) as error:
        make("#!/bin/sh\n", settings=settings, support_files={"big.bin": b"\0" * 5000})
    message = str(error.value)
    assert "over the limit of 4096 bytes (MAX_BATCH_SCRIPT_BYTES)" in message
    size = int(message.split("would be ")[1].split(" bytes")[0])
    assert size > 4096


def test_empty_entrypoint_is_rejected_without_wrapper():
    with pytest.raises(TranslationError, match="is empty"):
        make("", settings=Settings(WRITE_SUBMISSION_FILES=False))


def test_non_utf8_entrypoint_is_rejected():
    with pytest.raises(TranslationError, match="not UTF-8 text"):
        build_job("x.sh", b"#!/bin/sh\n\xff\n", username="u", settings=Settings())


@pytest.mark.parametrize(
    "name, message",
    [
        ("/etc/passwd", "is absolute"),
        ("../x", "'..'"),
        ("a/../../x", "'..'"),
        ("", "empty"),
        ("a//b", "empty, '.' or '..' part"),
        ("./a", "'.'"),
        ("bad\nname", "control character"),
        ("job.sh", "two files are named 'job.sh'"),
    ],
)
def test_bad_support_file_names_are_rejected(name, message):
    with pytest.raises(TranslationError, match=message.replace(".", r"\.").replace("(", r"\(")):
        make("#!/bin/sh\n", support_files={name: b"x"})


def test_file_and_directory_with_one_name_are_rejected():
    with pytest.raises(TranslationError, match="'data' is both a file and a directory"):
        make("#!/bin/sh\n", support_files={"data": b"1", "data/x": b"2"})


def test_describe_unsupported_names_options_and_origins():
    built = make(directives("--cores-per-socket=2"), ["--exclusive=topo"])
    error = UnsupportedJobField(
        ("cores_per_socket", "sharing"), "v0.0.41", {"sharing": "topo needs v0.0.41 or later"}
    )
    message = describe_unsupported(built, error)
    assert message == (
        "this cluster's Slurm REST API v0.0.41 cannot express cores_per_socket (from "
        "--cores-per-socket=2 (script line 2)); sharing (from --exclusive=topo "
        "(sbatch_arguments)): topo needs v0.0.41 or later. Remove or change those options, "
        "or ask the site to upgrade Slurm."
    )


def test_describe_unsupported_for_an_agent_field():
    built = make("#!/bin/sh\n")
    message = describe_unsupported(built, UnsupportedJobField(("environment",), "v0.0.38"))
    assert "environment (set by the agent: JOB_BASE_ENVIRONMENT)" in message


def test_describe_unsupported_for_a_field_member():
    built = make(directives("--gres=gpu:1", "--gres-flags=enforce-binding"))
    error = UnsupportedJobField(("flags=GRES_BINDING_ENFORCED",), "v0.0.38")
    message = describe_unsupported(built, error)
    assert "flags=GRES_BINDING_ENFORCED (from --gres-flags=enforce-binding (script line 3))" in (
        message
    )
