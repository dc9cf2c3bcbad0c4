"""Carry a submission's files inside its batch script, so the cluster's filesystem is never
touched from outside.

The submitted script is a small POSIX sh wrapper. When the job starts, on the compute node
and as the job's user, it enters the working directory, recreates every file there (each one
base64-encoded in the wrapper, with its mode; directories are created), then replaces itself
(`exec`) with the entrypoint run by the interpreter of its shebang line (/bin/sh without one).
Because of the exec, the entrypoint is the batch step's process: every signal Slurm sends
(TERM, INT, USR1, USR2 of --signal, scancel) reaches it directly, its standard input is the
job's, and its exit status is the job's. The wrapper needs only sh and base64 (coreutils).

The original #SBATCH lines are kept at the top for people who read the job in Slurm; they
have no effect there (slurmrestd does not read them; the agent translated them already).
"""

from __future__ import annotations

import base64
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DEFAULT_MODE = 0o644
ENTRYPOINT_MODE = 0o755
_END = "__JG_END_OF_FILE__"  # '_' is not a base64 character, so no data line can match


class BundleError(ValueError):
    """A file cannot be carried as asked; the message names it and says why."""


@dataclass(frozen=True)
class BundledFile:
    name: str  # relative to the working directory
    content: bytes
    mode: int


def check_name(name: str, what: str = "file") -> str:
    """Refuse names that could leave the working directory or that the wrapper cannot
    write: empty, absolute, with '..' or '.' parts, empty parts, or control characters."""
    if not name or not name.strip():
        raise BundleError(f"a {what} has an empty name; give every file a name")
    if name.startswith("/"):
        raise BundleError(
            f"{what} name '{name}' is absolute; files are written relative "
            "to the working directory, so give a relative name"
        )
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        raise BundleError(
            f"{what} name '{name}' has an empty, '.' or '..' part; files "
            "stay inside the working directory, so use a plain relative path"
        )
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise BundleError(f"{what} name {name!r} contains a control character; rename it")
    return name


def check_layout(names: Sequence[str]) -> None:
    """No two files with one name, and no name that is both a file and a directory."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise BundleError(
                f"two files are named '{name}' (the entrypoint counts); rename one of them"
            )
        seen.add(name)
    directories = {posixpath.dirname(name) for name in names}
    for directory in list(directories):
        while directory:
            if directory in seen:
                raise BundleError(
                    f"'{directory}' is both a file and a directory of other "
                    "files; rename one of them"
                )
            directory = posixpath.dirname(directory)


def interpreter(content: bytes) -> list[str]:
    """The command of the shebang line, as the kernel reads it: the interpreter and at most
    one argument. /bin/sh when there is none."""
    if not content.startswith(b"#!"):
        return ["/bin/sh"]
    line = content[2:].split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if not line:
        return ["/bin/sh"]
    parts = line.split(None, 1)
    return [parts[0]] + ([parts[1].strip()] if len(parts) > 1 else [])


def quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def make_wrapper(
    *,
    working_directory: str,
    entrypoint_name: str,
    entrypoint: bytes,
    support_files: Mapping[str, bytes] | None = None,
    modes: Mapping[str, int] | None = None,
    header_lines: Sequence[str] = (),
) -> str:
    support_files = support_files or {}
    modes = modes or {}
    check_name(entrypoint_name, "entrypoint")
    for name in support_files:
        check_name(name)
    check_layout([entrypoint_name, *support_files])
    files = [BundledFile(entrypoint_name, entrypoint, modes.get(entrypoint_name, ENTRYPOINT_MODE))]
    files += [
        BundledFile(name, content, modes.get(name, DEFAULT_MODE))
        for name, content in support_files.items()
    ]
    for bundled in files:
        if not 0 <= bundled.mode <= 0o7777:
            raise BundleError(
                f"file '{bundled.name}' has an impossible mode "
                f"{bundled.mode:o}; use an octal mode such as 644"
            )

    command = " ".join(quote(word) for word in interpreter(entrypoint))
    lines = ["#!/bin/sh", *[line for line in header_lines if "\n" not in line]]
    lines += [
        "# --- written by jobbergate-agent -------------------------------------------------",
        "# The #SBATCH lines above were translated into this job's settings at submission;",
        "# they are kept only for reference. This wrapper recreates the submission's files",
        f"# in the working directory, then runs {entrypoint_name} with {command}.",
        "_jg_fail() { printf 'jobbergate-agent wrapper: %s\\n' \"$1\" >&2; exit 1; }",
        "_jg_path=${PATH:-/usr/local/bin:/usr/bin:/bin}",
        "_jg_nolink() {",
        '  for _jg_d in "$@"; do',
        '    [ -L "$_jg_d" ] && _jg_fail "refusing to write through the symbolic link $_jg_d"',
        "  done; return 0",
        "}",
        # A file is written under a name no other job uses, then renamed into place: jobs
        # sharing a working directory never see a half-written file. $3, if given, receives
        # a copy that only this job uses.
        "_jg_job=${SLURM_JOB_ID:-$$}",
        "_jg_put() {",
        '  _jg_tmp="$1.jg-tmp-$_jg_job"',
        '  rm -f -- "$_jg_tmp" || _jg_fail "cannot write $_jg_tmp"',
        '  PATH=$_jg_path base64 -d > "$_jg_tmp" || _jg_fail "cannot write $1"',
        '  PATH=$_jg_path chmod "$2" "$_jg_tmp" || _jg_fail "cannot set the mode of $1"',
        '  if [ -n "$3" ]; then',
        '    rm -f -- "$3"; PATH=$_jg_path cp -p -- "$_jg_tmp" "$3" || _jg_fail "cannot copy $1"',
        "  fi",
        '  PATH=$_jg_path mv -f -- "$_jg_tmp" "$1" || _jg_fail "cannot replace $1"',
        "}",
        f"cd {quote(working_directory)} || _jg_fail "
        f"{quote('cannot enter the working directory ' + working_directory)}",
    ]
    # What runs is this job's own copy of the entrypoint, next to it (so that $0's directory is
    # the same): another job in the same directory may replace ./<entrypoint> at any moment.
    head, tail = posixpath.split(entrypoint_name)
    own_copy = quote((head + "/" if head else "") + "." + tail + ".jg-") + '"$_jg_job"'
    made: set[str] = set()
    for bundled in files:
        path = f"./{bundled.name}"
        ancestors = _ancestors(bundled.name)
        checks = [f"./{a}" for a in ancestors] + [path]
        lines.append("_jg_nolink " + " ".join(quote(c) for c in checks))
        directory = posixpath.dirname(bundled.name)
        if directory and directory not in made:
            lines.append(
                f"PATH=$_jg_path mkdir -p {quote('./' + directory)} || _jg_fail "
                f"{quote('cannot create ' + directory)}"
            )
            made.update([directory, *ancestors])
        own = f" ./{own_copy}" if bundled.name == entrypoint_name else ""
        lines.append(f"_jg_put {quote(path)} {bundled.mode:04o}{own} <<'{_END}'")
        encoded = base64.encodebytes(bundled.content).decode("ascii")
        lines.append(encoded.rstrip("\n") if encoded else "")
        lines.append(_END)
    lines.append(f'exec {command} "$PWD"/{own_copy} "$@"')
    return "\n".join(lines) + "\n"


def _ancestors(name: str) -> list[str]:
    parts = name.split("/")[:-1]
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]
