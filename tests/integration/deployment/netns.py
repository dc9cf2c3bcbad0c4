"""A host without Slurm, made on this machine: a network namespace joined to the host by one
veth pair (a private /30 of our own, nothing routed beyond it), and a mount namespace inside it
where every Slurm and munge binary, the Slurm and munge configuration and the lab's directory
are hidden. The agent in there can only reach what the host end of the veth forwards to it.

`Forwarder` is that forwarding: a tiny TCP proxy bound to the host end of the veth, passing each
connection to a 127.0.0.1 port (slurmrestd and the mock API only listen on loopback).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import threading
from pathlib import Path

SLURM_PACKAGES = (
    "slurm-client", "slurmctld", "slurmd", "slurmrestd", "slurmdbd", "slurm-wlm",
    "slurm-wlm-basic-plugins", "munge",
)  # fmt: skip
SLURM_COMMANDS = (
    "sbatch", "scontrol", "squeue", "scancel", "srun", "sinfo", "sacct", "sacctmgr", "salloc",
    "slurmctld", "slurmd", "slurmrestd", "slurmdbd", "munge", "unmunge", "munged", "remunge",
)  # fmt: skip
HIDDEN_DIRECTORIES = (
    "/etc/slurm", "/etc/slurm-llnl", "/etc/munge", "/run/munge", "/var/lib/munge",
    "/var/lib/slurm", "/var/spool/slurmd", "/var/lib/jobbergate-agent-lab",
)  # fmt: skip
BIN_DIRS = ("/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/local/bin/", "/usr/local/sbin/")


def run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=30)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr}")
    return result


def slurm_files() -> list[str]:
    """Every Slurm or munge executable on this host: the packages' and anything on PATH."""
    files: set[str] = set()
    for package in SLURM_PACKAGES:
        listing = run("dpkg", "-L", package, check=False)
        if listing.returncode == 0:
            files.update(
                line
                for line in listing.stdout.splitlines()
                if line.startswith(BIN_DIRS) and os.path.isfile(line)
            )
    for command in SLURM_COMMANDS:
        found = shutil.which(command)
        if found:
            files.add(os.path.realpath(found))
    return sorted(files)


def hiding_script(directory: Path) -> Path:
    """A shell script that hides Slurm and munge in the current mount namespace, then execs
    its arguments. Files get an empty, non-executable file bound over them; directories an
    empty tmpfs."""
    empty = directory / "empty"
    empty.write_bytes(b"")
    empty.chmod(0o644)
    lines = ["#!/bin/sh", "set -e"]
    for path in slurm_files():
        lines.append(f"mount --bind {empty} {path}")
    for path in HIDDEN_DIRECTORIES:
        if os.path.isdir(path):
            lines.append(f"mount -t tmpfs -o size=64k,mode=0755 jg-hidden {path}")
    lines.append('exec "$@"')
    script = directory / "hide-slurm.sh"
    script.write_text("\n".join(lines) + "\n")
    script.chmod(0o755)
    return script


class Namespace:
    """`ip netns` NAME with a veth pair: HOST_ADDR on the host end, NS_ADDR inside."""

    def __init__(self, tag: int) -> None:
        self.name = f"jgdeploy{tag}"
        self.host_if, self.ns_if = f"jgd{tag}h", f"jgd{tag}n"
        third = 1 + tag % 250
        self.host_addr, self.ns_addr = f"10.203.{third}.1", f"10.203.{third}.2"

    def __enter__(self) -> Namespace:
        existing = run("ip", "-o", "addr", "show", "to", f"{self.host_addr}/30").stdout
        if existing.strip():
            raise RuntimeError(f"{self.host_addr}/30 is already in use here: {existing}")
        run("ip", "netns", "add", self.name)
        try:
            run("ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
            run("ip", "link", "set", self.ns_if, "netns", self.name)
            run("ip", "addr", "add", f"{self.host_addr}/30", "dev", self.host_if)
            run("ip", "link", "set", self.host_if, "up")
            inside = ("ip", "netns", "exec", self.name)
            run(*inside, "ip", "addr", "add", f"{self.ns_addr}/30", "dev", self.ns_if)
            run(*inside, "ip", "link", "set", self.ns_if, "up")
            run(*inside, "ip", "link", "set", "lo", "up")
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        # Deleting the namespace deletes its veth end, and with it the host end.
        run("ip", "netns", "del", self.name, check=False)
        run("ip", "link", "del", self.host_if, check=False)

    def command(self, hiding: Path, *argv: str) -> list[str]:
        """argv run in the namespace, in a private mount namespace with Slurm hidden."""
        return [
            "ip", "netns", "exec", self.name,
            "unshare", "--mount", "--propagation", "private",
            str(hiding), *argv,
        ]  # fmt: skip


class Forwarder:
    """Accepts on (host, 0) and forwards every connection to 127.0.0.1:target_port."""

    def __init__(self, host: str, target_port: int) -> None:
        self.host = host
        self.target_port = target_port
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", self.target_port
            )
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer)
        )

    def __enter__(self) -> Forwarder:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, self.host, 0), self._loop
        )
        self._server = future.result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    def __exit__(self, *exc_info: object) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
