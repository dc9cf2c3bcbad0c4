"""`jg-run translate SCRIPT`: show what the agent would make of a job script.

Prints the JobDescription fields the script and the --sbatch-arg options set, each with where
it came from, and every option read; with --api-version, the exact JSON body the agent would
send to that slurmrestd version. Nothing is submitted and no server is asked.

Exit codes: 0 translated; 1 the submission would be rejected (the message says why);
2 configuration error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

EXIT_REJECTED = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "translate", help="show the Slurm job (and REST body) a job script becomes"
    )
    parser.add_argument("script", type=Path, help="the entrypoint script")
    parser.add_argument(
        "--sbatch-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="an sbatch argument as the submission would store it "
        "(repeat for more; e.g. --sbatch-arg=--time=5)",
    )
    parser.add_argument(
        "--user",
        help="the Slurm user to build the job for (default: the "
        "single-user submitter of the settings)",
    )
    parser.add_argument("--workdir", help="the submission's execution_directory")
    parser.add_argument("--name", help="the submission's name (default job name)")
    parser.add_argument(
        "--support",
        action="append",
        default=[],
        type=Path,
        metavar="FILE",
        help="a support file to carry along (repeat for more)",
    )
    parser.add_argument(
        "--api-version",
        metavar="vN",
        help="also print the JSON body for this REST version, e.g. v0.0.42",
    )
    parser.add_argument(
        "--show-script", action="store_true", help="print the batch script that would be submitted"
    )
    parser.set_defaults(func=run)


def _support_name(path: Path) -> str:
    return path.as_posix() if not path.is_absolute() and ".." not in path.parts else path.name


def run(args: argparse.Namespace) -> int:
    from jobbergate_agent.settings import load_settings
    from jobbergate_agent.slurm.sbatch import TranslationError, build_job

    settings = load_settings()
    try:
        entrypoint = args.script.read_bytes()
        support = {_support_name(p): p.read_bytes() for p in args.support}
        modes = {_support_name(p): p.stat().st_mode & 0o7777 for p in args.support}
    except OSError as error:
        print(f"jg-run translate: cannot read {error.filename}: {error.strerror}", file=sys.stderr)
        return EXIT_REJECTED
    try:
        built = build_job(
            args.script.name,
            entrypoint,
            sbatch_arguments=args.sbatch_arg,
            support_files=support,
            file_modes=modes,
            username=args.user or settings.single_user_submitter,
            execution_directory=args.workdir,
            job_name=args.name,
            settings=settings,
        )
    except TranslationError as error:
        print(f"rejected: {error}", file=sys.stderr)
        return EXIT_REJECTED

    print("Job description:")
    for name, value in built.job.fields_given().items():
        if name == "script":
            shown: Any = f"<{len(str(value).encode())} bytes>"
        else:
            shown = json.dumps(value) if not isinstance(value, str) else value
        print(f"  {name} = {shown}    [{built.origin_of(name)}]")
    print("Options:")
    for option in built.options:
        effect = ", ".join(option.fields) if option.fields else "-"
        note = f"  ({option.note})" if option.note else ""
        print(f"  {option.text}    [{option.origin}] -> {effect}{note}")
    if not built.options:
        print("  (none)")
    if args.show_script:
        print("Batch script:")
        print(built.job.script)
    if args.api_version:
        return _print_body(args.api_version, built)
    return 0


def _print_body(version: str, built: Any) -> int:
    from jobbergate_agent.slurm.errors import UnsupportedJobField
    from jobbergate_agent.slurm.sbatch import describe_unsupported

    try:
        from jobbergate_agent.slurm.adapters import get_adapter
    except ImportError:
        print(
            "jg-run translate: the REST adapters are not available in this build, so "
            "the JSON body cannot be shown",
            file=sys.stderr,
        )
        return EXIT_REJECTED
    try:
        adapter = get_adapter(version)
    except KeyError as error:
        print(f"jg-run translate: {error.args[0]}", file=sys.stderr)
        return EXIT_REJECTED
    try:
        body = adapter.render_submission(built.job)
    except UnsupportedJobField as error:
        print(f"rejected: {describe_unsupported(built, error)}", file=sys.stderr)
        return EXIT_REJECTED
    print(f"REST {version} body:")
    print(json.dumps(body, indent=2, sort_keys=True))
    return 0
