"""`jg-run`: the daemon and its administrator commands.

Each command lives in its own module under `jobbergate_agent.commands`, which exposes
`register(subparsers)` and sets `func` on its parser; the module is imported only when the
command line names it, so `jg-run --help` and the daemon start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
from collections.abc import Sequence

# command name -> module under jobbergate_agent.commands
COMMANDS = {
    "run": "run",
    "check": "check",
    "translate": "translate",
    "users": "users",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jg-run",
        description="Jobbergate agent: submits Jobbergate job submissions to Slurm through "
        "slurmrestd and reports their state back. With no command, runs the daemon.",
    )
    parser.add_argument(
        "--once",
        action="store_true",
        help="run one cycle of every task, then exit (status says how it went)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        if only is not None and name != only:
            subparsers.add_parser(name, help=f"(see jg-run {name} --help)")
            continue
        try:
            module = importlib.import_module(f"jobbergate_agent.commands.{module_name}")
        except ModuleNotFoundError as error:
            if error.name != f"jobbergate_agent.commands.{module_name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from jobbergate_agent.settings import ConfigurationError

    args_list = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in args_list if a in COMMANDS), None)
    # With --help and no command, list every command fully.
    parser = build_parser(
        only=None if command is None and "--help" in args_list else command or "run"
    )
    args = parser.parse_args(args_list)
    if args.command is None:
        args = parser.parse_args(["run", *(["--once"] if args.once else [])])
    try:
        result = args.func(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
        return int(result or 0)
    except ConfigurationError as error:
        print(f"jg-run: configuration error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
