"""Nothing is dropped silently: every refusal names the option, its origin and what to do."""

from __future__ import annotations

import pytest

from jobbergate_agent.slurm.sbatch import TranslationError
from jobbergate_agent.slurm.sbatch.registry import OPTIONS

from .conftest import directives, make

REJECTED = [spec for spec in OPTIONS if spec.status == "rejected"]


def _typed(spec) -> str:  # type: ignore[no-untyped-def]
    return f"--{spec.name}" + ("=x" if spec.arg == "required" else "")


@pytest.mark.parametrize("spec", REJECTED, ids=[s.name for s in REJECTED])
def test_rejected_option_in_the_script_names_line_and_reason(spec):
    with pytest.raises(TranslationError) as error:
        make(directives("-N 1", _typed(spec)))
    assert str(error.value) == f"unsupported #SBATCH option --{spec.name} on line 3: {spec.note}"
    assert error.value.origin == "script line 3"


@pytest.mark.parametrize("spec", REJECTED, ids=[s.name for s in REJECTED])
def test_rejected_option_in_sbatch_arguments_says_so(spec):
    with pytest.raises(TranslationError) as error:
        make("#!/bin/sh\n", [_typed(spec)])
    assert str(error.value) == f"unsupported option --{spec.name} in sbatch_arguments: {spec.note}"


def test_wait_message_reads_well():
    with pytest.raises(TranslationError) as error:
        make("#!/bin/bash\n#\n#SBATCH -N 1\n#SBATCH --wait\n")
    assert str(error.value).startswith(
        "unsupported #SBATCH option --wait on line 4: the agent cannot wait for the job"
    )
    assert str(error.value).endswith("remove it")


def test_short_form_is_named_with_its_long_name():
    with pytest.raises(
        TranslationError,
        match=r"unsupported #SBATCH option -W \(--wait\) on "
        r"line 2",
    ):
        make(directives("-W"))


def test_every_rejection_says_what_to_do():
    for spec in REJECTED:
        assert any(word in spec.note for word in ("remove", "use", "instead", "put", "set ")), (
            spec.name
        )


def test_invalid_time_message():
    with pytest.raises(TranslationError) as error:
        make("#!/bin/sh\n#SBATCH -N 1\n#SBATCH --time=abc\n")
    assert str(error.value) == (
        "invalid value 'abc' for --time on line 3: use minutes, "
        "MM:SS, HH:MM:SS, D-HH[:MM[:SS]] or UNLIMITED"
    )


INVALID = [
    ("-t x", "invalid value 'x' for -t (--time) on line 2: use minutes"),
    ("--mem=1.5G", "invalid value '1.5G' for --mem on line 2: use a whole number of megabytes"),
    ("--tmp=lots", "invalid value 'lots' for --tmp"),
    ("-N 4-2", "the maximum of a node range must not be below its minimum"),
    ("-n 0", "invalid value '0' for -n (--ntasks) on line 2: use a whole number from 1"),
    ("-c two", "invalid value 'two' for -c (--cpus-per-task)"),
    ("--array=1-", "invalid value '1-' for --array"),
    ("--dependency=afterok", "invalid value 'afterok' for --dependency"),
    ("--begin=someday", "invalid value 'someday' for --begin on line 2: use YYYY-MM-DD"),
    ("--deadline=25:00", "invalid value '25:00' for --deadline"),
    ("--mail-type=SOMETIMES", "invalid value 'SOMETIMES' for --mail-type"),
    ("--signal=X:USR1", "invalid value 'X:USR1' for --signal"),
    ("--signal=USR9", "unknown signal 'USR9'"),
    ("--priority=high", "invalid value 'high' for --priority"),
    ("--nice=lots", "invalid value 'lots' for --nice"),
    ("--open-mode=overwrite", "use append or truncate"),
    ("--exclusive=nodes", "use --exclusive alone, or --exclusive=user, mcs or topo"),
    ("--no-kill=maybe", "use --no-kill alone, or --no-kill=off"),
    ("--kill-on-invalid-dep=maybe", "use yes or no"),
    ("--wait-all-nodes=2", "use 0 (start when the first node is ready) or 1"),
    ("--oom-kill-step=2", "use --oom-kill-step alone, or =0 or =1"),
    ("-w n[1-", "a '[' has no matching ']'"),
    ("-x ,", "use node names or ranges"),
    ("-B 1:2:3:4", "use SOCKETS[:CORES[:THREADS]]"),
    ("-B a", "use SOCKETS[:CORES[:THREADS]]"),
    ("-m diagonal", "invalid value 'diagonal' for -m (--distribution)"),
    ("--cpu-freq=fast", "invalid value 'fast' for --cpu-freq"),
    ("--mem-bind=everywhere", "invalid value 'everywhere' for --mem-bind"),
    ("--gres=gpu::1", "invalid value 'gpu::1' for --gres"),
    ("--gpus=a100", "invalid value 'a100' for -G|invalid value 'a100' for --gpus"),
    ("--gres-flags=sometimes", "use disable-binding or enforce-binding"),
    ("--gres-flags=disable-binding,enforce-binding", "mutually exclusive"),
    ("--profile=disk", "invalid value 'disk' for --profile"),
    ("--tres-per-task=mem=1G", "mem, energy, node, billing"),
    ("--switches=x", "invalid value 'x' for --switches"),
    ("--delay-boot=INFINITE", "use a duration in minutes"),
    ("--segment=0", "invalid value '0' for --segment"),
    ("--partition=", "invalid value '' for --partition on line 2: give a value"),
    ("-o ''", "give a file name pattern"),
    ("--export=", "use ALL, NONE, or a comma list"),
]


@pytest.mark.parametrize("line, message", INVALID, ids=[c[0] for c in INVALID])
def test_malformed_values_are_rejected(line, message):
    with pytest.raises(
        TranslationError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("[", r"\[")
        .replace("]", r"\]")
        .replace(".", r"\.")
        .replace("*", r"\*")
        .replace("+", r"\+"),
    ):
        make(directives(line))


CANNOT_USE = [
    (
        "--nodelist=./hosts.txt",
        "cannot use #SBATCH option --nodelist=./hosts.txt on line 2: "
        "sbatch reads a value with '/' as a file of node names",
    ),
    (
        "--chdir=relative/dir",
        "cannot use #SBATCH option --chdir=relative/dir on line 2: the "
        "agent does not run where you submitted from",
    ),
    ("--get-user-env=10L", "slurmrestd takes no timeout or mode"),
    ("--gres=help", "it only prints help"),
    ("--gres-flags=one-task-per-sharing", "one-task-per-sharing cannot be sent"),
    ("--distribution=arbitrary", "arbitrary distribution needs the node list too"),
    ("--export=NONE,A=1", "NONE cannot be combined with other variables"),
]


@pytest.mark.parametrize("line, message", CANNOT_USE, ids=[c[0] for c in CANNOT_USE])
def test_values_that_cannot_be_honoured(line, message):
    with pytest.raises(TranslationError) as error:
        make(directives(line))
    assert message in str(error.value)


CONFLICTS = [
    (
        ("--mem=1G", "--mem-per-cpu=100"),
        "--mem=1G (script line 2) and --mem-per-cpu=100 "
        "(script line 3) are mutually exclusive in sbatch; keep one memory option",
    ),
    (("--mem-per-gpu=1G", "--mem=1G"), "mutually exclusive"),
    (
        ("--exclusive", "--oversubscribe"),
        "--exclusive (script line 2) and --oversubscribe (script line 3) are mutually exclusive",
    ),
    (("-S 1", "--thread-spec=1"), "mutually exclusive"),
    (("-c 2", "--cpus-per-gpu=1"), "mutually exclusive"),
    (("--ntasks-per-gpu=1", "--gpus-per-task=1"), "mutually exclusive"),
    (("--ntasks-per-gpu=1", "--ntasks-per-tres=2"), "give the same value"),
    (("--ntasks-per-gpu=1", "--ntasks-per-node=2"), "mutually exclusive"),
    (("--tres-per-task=gres/gpu=1", "--gpus-per-task=1"), "give the GPUs per task in one"),
    (("--distribution=arbitrary", "-w n1", "-N 1"), "remove --nodes"),
    (
        ("--gpus-per-node=1", "--gres=gpu:fake:1"),
        "--gpus-per-node=1 (script line 2) and "
        "--gres=gpu:fake:1 (script line 3) are mutually exclusive in sbatch",
    ),
]


@pytest.mark.parametrize("lines, message", CONFLICTS, ids=[" ".join(c[0]) for c in CONFLICTS])
def test_conflicting_options_are_rejected_naming_both(lines, message):
    with pytest.raises(TranslationError) as error:
        make(directives(*lines))
    assert message in str(error.value)


def test_conflict_between_script_and_arguments_names_both_origins():
    with pytest.raises(TranslationError) as error:
        make(directives("--exclusive"), ["-s"])
    assert str(error.value).startswith("--exclusive (script line 2) and -s (sbatch_arguments)")


def test_repeated_memory_option_is_fine():
    assert make(directives("--mem=1G"), ["--mem=2G"]).job.memory_per_node == 2048
