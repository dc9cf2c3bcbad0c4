"""The batch wrapper, run for real with /bin/sh in a temporary working directory."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest

from jobbergate_agent.slurm import bundle

BINARY = bytes(range(256)) * 3


def run(
    wrapper: str, cwd: Path, *args: str, stdin: bytes = b"", timeout: float = 30
) -> subprocess.CompletedProcess[bytes]:
    script = cwd.parent / "wrapper.sh"
    script.write_text(wrapper)
    return subprocess.run(
        ["/bin/sh", str(script), *args],
        cwd=cwd.parent,
        input=stdin,
        capture_output=True,
        timeout=timeout,
        env={"PATH": os.environ["PATH"]},
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    path = tmp_path / "work dir"
    path.mkdir()
    return path


def test_files_contents_modes_and_exit_code_of_a_bash_entrypoint(workdir: Path):
    entry = b'#!/bin/bash\n#SBATCH -t 5\necho "args:$*"; read line; echo "in:$line"\nexit 3\n'
    wrapper = bundle.make_wrapper(
        working_directory=str(workdir),
        entrypoint_name="run.sh",
        entrypoint=entry,
        support_files={
            "data/blob.bin": BINARY,
            "data/deep/notes.txt": b"hello\n",
            "conf.ini": b"",
            "my file's.txt": b"q",
        },
        modes={"data/deep/notes.txt": 0o600, "conf.ini": 0o640},
        header_lines=["#SBATCH -t 5"],
    )
    result = run(wrapper, workdir, "one", "two words", stdin=b"from stdin\n")
    assert result.returncode == 3, result.stderr
    assert result.stdout == b"args:one two words\nin:from stdin\n"
    assert (workdir / "run.sh").read_bytes() == entry
    assert mode(workdir / "run.sh") == 0o755
    assert (workdir / "data/blob.bin").read_bytes() == BINARY
    assert mode(workdir / "data/blob.bin") == 0o644
    assert (workdir / "data/deep/notes.txt").read_bytes() == b"hello\n"
    assert mode(workdir / "data/deep/notes.txt") == 0o600
    assert (workdir / "conf.ini").read_bytes() == b""
    assert mode(workdir / "conf.ini") == 0o640
    assert (workdir / "my file's.txt").read_bytes() == b"q"
    assert wrapper.splitlines()[:2] == ["#!/bin/sh", "#SBATCH -t 5"]


PY_ENTRY = b"""#!/usr/bin/env python3
import os, signal, sys, time
def on_term(signum, frame):
    open("got-term", "w").write(str(signum))
    sys.exit(7)
signal.signal(signal.SIGTERM, on_term)
open("ready", "w").write(str(os.getpid()))
print(open("input.txt").read().strip(), flush=True)
time.sleep(30)
sys.exit(1)
"""


def test_python_entrypoint_gets_the_term_sent_to_the_wrapper(workdir: Path):
    wrapper = bundle.make_wrapper(
        working_directory=str(workdir),
        entrypoint_name="main.py",
        entrypoint=PY_ENTRY,
        support_files={"input.txt": b"42\n"},
    )
    script = workdir.parent / "wrapper.sh"
    script.write_text(wrapper)
    process = subprocess.Popen(
        ["/bin/sh", str(script)], cwd=workdir.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while not (workdir / "ready").exists():
            assert time.monotonic() < deadline, "the entrypoint never started"
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.05)
        time.sleep(0.1)  # the handler is installed before "ready" is written
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 7
    assert (workdir / "got-term").read_text() == str(int(signal.SIGTERM))
    assert process.stdout is not None and process.stdout.read() == b"42\n"
    # the entrypoint is the wrapper's own process (exec), so every signal reaches it
    assert (workdir / "ready").read_text() == str(process.pid)


def test_usr1_reaches_the_entrypoint_too(workdir: Path):
    entry = (
        b"#!/bin/sh\ntrap 'echo usr1 > got; exit 5' USR1\necho up > ready\n"
        b"while :; do sleep 0.1; done\n"
    )
    wrapper = bundle.make_wrapper(
        working_directory=str(workdir), entrypoint_name="e.sh", entrypoint=entry
    )
    script = workdir.parent / "wrapper.sh"
    script.write_text(wrapper)
    process = subprocess.Popen(["/bin/sh", str(script)], cwd=workdir.parent)
    try:
        deadline = time.monotonic() + 20
        while not (workdir / "ready").exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGUSR1)
        assert process.wait(timeout=20) == 5
    finally:
        if process.poll() is None:
            process.kill()
    assert (workdir / "got").read_text() == "usr1\n"


def test_entrypoint_without_shebang_runs_with_sh(workdir: Path):
    wrapper = bundle.make_wrapper(
        working_directory=str(workdir),
        entrypoint_name="plain",
        entrypoint=b'echo "sh:$0"\nexit 4\n',
    )
    result = run(wrapper, workdir)
    assert result.returncode == 4
    # $0 is this job's own copy, next to the entrypoint (jobs may share the directory)
    assert result.stdout.startswith(f"sh:{workdir}/.plain.jg-".encode())


def test_missing_working_directory_fails_before_writing(tmp_path: Path):
    missing = tmp_path / "nope"
    wrapper = bundle.make_wrapper(
        working_directory=str(missing), entrypoint_name="e.sh", entrypoint=b"#!/bin/sh\nexit 0\n"
    )
    result = run(wrapper, tmp_path / "x")
    assert result.returncode == 1
    assert b"cannot enter the working directory" in result.stderr
    assert not (tmp_path / "e.sh").exists() and not missing.exists()


def test_existing_symlink_is_not_written_through(workdir: Path, tmp_path: Path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (workdir / "data").symlink_to(outside)
    wrapper = bundle.make_wrapper(
        working_directory=str(workdir),
        entrypoint_name="e.sh",
        entrypoint=b"#!/bin/sh\nexit 0\n",
        support_files={"data/evil.txt": b"x"},
    )
    result = run(wrapper, workdir)
    assert result.returncode == 1
    assert b"refusing to write through the symbolic link ./data" in result.stderr
    assert list(outside.iterdir()) == []


def test_existing_file_symlink_is_replaced_not_followed(workdir: Path, tmp_path: Path):
    target = tmp_path / "precious"
    target.write_text("keep")
    (workdir / "out.txt").symlink_to(target)
    wrapper = bundle.make_wrapper(
        working_directory=str(workdir),
        entrypoint_name="e.sh",
        entrypoint=b"#!/bin/sh\nexit 0\n",
        support_files={"out.txt": b"new"},
    )
    result = run(wrapper, workdir)
    assert result.returncode == 1 and b"./out.txt" in result.stderr
    assert target.read_text() == "keep"


@pytest.mark.parametrize(
    "name", ["/tmp/x", "../escape", "a/../../escape", "", "a//b", ".", "x/./y", "new\nline"]
)
def test_malicious_names_never_reach_the_wrapper(name: str, workdir: Path):
    with pytest.raises(bundle.BundleError):
        bundle.make_wrapper(
            working_directory=str(workdir),
            entrypoint_name="e.sh",
            entrypoint=b"#!/bin/sh\n",
            support_files={name: b"x"},
        )


def test_quote_in_a_name_cannot_inject_commands(workdir: Path, tmp_path: Path):
    name = "x'; touch pwned; echo '$(touch pwned2)"
    wrapper = bundle.make_wrapper(
        working_directory=str(workdir),
        entrypoint_name="e.sh",
        entrypoint=b"#!/bin/sh\nexit 0\n",
        support_files={name: b"safe"},
    )
    result = run(wrapper, workdir)
    assert result.returncode == 0, result.stderr
    assert (workdir / name).read_bytes() == b"safe"
    names = sorted(p.name for p in workdir.iterdir() if not p.name.startswith(".e.sh.jg-"))
    assert names == sorted(["e.sh", name])
    assert len([p for p in workdir.iterdir() if p.name.startswith(".e.sh.jg-")]) == 1


def test_existing_files_are_replaced(workdir: Path):
    (workdir / "in.txt").write_text("old")
    (workdir / "in.txt").chmod(0o400)
    wrapper = bundle.make_wrapper(
        working_directory=str(workdir),
        entrypoint_name="e.sh",
        entrypoint=b"#!/bin/sh\ncat in.txt\n",
        support_files={"in.txt": b"new"},
    )
    result = run(wrapper, workdir)
    assert result.returncode == 0 and result.stdout == b"new"
    assert mode(workdir / "in.txt") == 0o644


@pytest.mark.parametrize(
    "content, command",
    [
        (b"#!/bin/bash\n", ["/bin/bash"]),
        (b"#!/usr/bin/env python3\n", ["/usr/bin/env", "python3"]),
        (b"#! /bin/sh -e \n", ["/bin/sh", "-e"]),
        (b"echo\n", ["/bin/sh"]),
        (b"#!\n", ["/bin/sh"]),
        (b"#!/usr/bin/env -S python3 -u\n", ["/usr/bin/env", "-S python3 -u"]),
    ],
)
def test_interpreter_is_read_like_the_kernel_reads_it(content: bytes, command: list[str]):
    assert bundle.interpreter(content) == command


def test_impossible_mode_is_rejected(workdir: Path):
    with pytest.raises(bundle.BundleError, match="impossible mode"):
        bundle.make_wrapper(
            working_directory=str(workdir),
            entrypoint_name="e.sh",
            entrypoint=b"#!/bin/sh\n",
            modes={"e.sh": 0o17777},
        )


def test_jobs_sharing_a_working_directory_each_run_their_own_entrypoint(tmp_path):
    # Two submissions of one user often share a working directory (DEFAULT_SLURM_WORK_DIR is
    # /home/{username}) and an entrypoint name (job.sh): jobs that start together must not
    # run each other's script.
    wrappers = [
        bundle.make_wrapper(
            working_directory=str(tmp_path),
            entrypoint_name="job.sh",
            entrypoint=f"#!/bin/sh\necho {i}\n".encode(),
        )
        for i in range(16)
    ]
    processes = [subprocess.Popen(["/bin/sh", "-c", w], stdout=subprocess.PIPE) for w in wrappers]
    outputs = [p.communicate()[0].decode().strip() for p in processes]
    assert outputs == [str(i) for i in range(16)]
