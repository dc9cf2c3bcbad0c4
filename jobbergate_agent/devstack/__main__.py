"""`python -m jobbergate_agent.devstack` (`make run`, `make lab-run`): the agent on its own stack.

Starts the mock Jobbergate API with its seeded submissions, a slurmrestd (the mock one by
default; the real lab's with `--slurm lab`) and the agent, then shows each submission moving to
its final state until Ctrl-C, and a summary table at the end. `--until-done` ends by itself:
exit 0 once every seeded submission is final and as expected, 1 if one ended otherwise, 3 after
`--timeout` seconds. 2 is a usage or start-up error, 4 an agent that exited by itself, 130 an
interruption.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from jobbergate_agent.devstack.mock_slurmrestd_profiles import PROFILES
from jobbergate_agent.devstack.stack import (
    DEFAULT_LAB_DESCRIPTION,
    DevStack,
    StackError,
    StackOptions,
)

EXIT_DONE, EXIT_UNEXPECTED, EXIT_ERROR, EXIT_TIMEOUT, EXIT_AGENT, EXIT_INTERRUPTED = (
    0, 1, 2, 3, 4, 130
)  # fmt: skip


def format_summary(report: dict[str, Any]) -> str:
    """The final table: one line per seeded submission."""
    header = ("id", "submission", "status", "expected", "Slurm job", "Slurm state", "message")
    lines = []
    for row in report["submissions"]:
        # (report_message also carries the last pending reason; it only matters at the end.)
        shown = row["status"] in ("REJECTED", "ABORTED")
        message = (row["message"] or "").replace("\n", " ") if shown else ""
        if len(message) > 70:
            message = message[:67] + "..."
        ok = row["expected"] is None or row["status"] == row["expected"]
        lines.append(
            (
                str(row["id"]),
                row["name"],
                row["status"],
                (row["expected"] or "-") + ("" if ok else "  <-- differs"),
                str(row["slurm_job_id"] if row["slurm_job_id"] is not None else "-"),
                row["slurm_job_state"] or "-",
                message or "-",
            )
        )
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header) - 1)]
    text = []
    for cells in [header, *lines]:
        padded = [cell.ljust(width) for cell, width in zip(cells[:-1], widths, strict=True)]
        text.append("  ".join([*padded, cells[-1]]))
    requests = ", ".join(f"{k}: {v}" for k, v in report["api_requests"].items())
    text.append(f"Jobbergate API requests ({sum(report['api_requests'].values())}): {requests}")
    if report.get("slurmrestd_requests") is not None:
        text.append(f"slurmrestd requests: {report['slurmrestd_requests']}")
    text.append(f"{report['slurm']}, {report['seconds']} s, outcome: {report['outcome']}")
    return "\n".join(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m jobbergate_agent.devstack",
        description="Run the agent against the mock Jobbergate API (seeded with varied "
        "submissions) and a mock slurmrestd (or the real Slurm lab), until Ctrl-C.",
    )
    parser.add_argument(
        "--slurm",
        choices=("mock", "lab"),
        default="mock",
        help="mock: the mock slurmrestd, running scripts as you (default); lab: the Slurm "
        "lab's real slurmrestd (needs root and `make lab-up`)",
    )
    parser.add_argument(
        "--profile",
        choices=sorted(PROFILES),
        default="26.05",
        help="the Slurm release the mock slurmrestd plays (default 26.05)",
    )
    parser.add_argument(
        "--cluster", default="slurm-26.05", help="with --slurm lab: which lab cluster"
    )
    parser.add_argument(
        "--user", help="with --slurm lab: the lab test user every job runs as (default jgalice)"
    )
    parser.add_argument(
        "--rest-version", default="auto", help="SLURM_RESTD_VERSION for the agent (auto)"
    )
    parser.add_argument(
        "--interval", type=int, default=2, help="TASK_JOBS_INTERVAL_SECONDS (default 2)"
    )
    parser.add_argument(
        "--until-done",
        action="store_true",
        help="exit once every seeded submission is final: 0 if each ended as expected",
    )
    parser.add_argument(
        "--timeout", type=float, default=120.0, help="with --until-done: give up after (s)"
    )
    parser.add_argument(
        "--state-dir",
        type=Path,
        help="keep the key, journal, logs and job directories here (default: a temporary "
        "directory, removed at the end)",
    )
    parser.add_argument("--report", type=Path, help="write the final summary as JSON here")
    parser.add_argument("--agent-log-level", default="INFO", help="LOG_LEVEL of the agent")
    parser.add_argument(
        "--lab-description", type=Path, default=DEFAULT_LAB_DESCRIPTION, help=argparse.SUPPRESS
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    options = StackOptions(
        slurm=args.slurm,
        profile=args.profile,
        cluster=args.cluster,
        user=args.user,
        rest_version=args.rest_version,
        interval=args.interval,
        state_dir=args.state_dir,
        lab_description=args.lab_description,
        agent_log_level=args.agent_log_level,
    )
    stop = threading.Event()
    interrupted: list[str] = []

    def on_signal(number: int, _frame: Any) -> None:
        interrupted.append(signal.Signals(number).name)
        stop.set()

    previous = {n: signal.signal(n, on_signal) for n in (signal.SIGINT, signal.SIGTERM)}
    stack = DevStack(options)
    outcome = "stopped"
    try:
        try:
            stack.start()
        except StackError as error:
            print(f"devstack: {error}", file=sys.stderr)
            return EXIT_ERROR
        if not stop.is_set():
            print(
                "devstack: running; "
                + ("waiting for every submission to end" if args.until_done else "Ctrl-C stops"),
                flush=True,
            )
            timeout = args.timeout if args.until_done else None
            outcome = stack.wait(until_done=args.until_done, timeout=timeout, stop=stop)
    finally:
        print(f"devstack: stopping ({outcome}{', ' + interrupted[0] if interrupted else ''})")
        # A second Ctrl-C while stopping would leave children behind: ignore it.
        for number in previous:
            signal.signal(number, signal.SIG_IGN)
        agent_code = stack.agent_exit_code()
        stack.stop()
        report = stack.report(outcome)  # the agent's exit code is the one after it stopped
        print(format_summary(report), flush=True)
        if args.report:
            args.report.write_text(json.dumps(report, indent=2))
        for number, handler in previous.items():
            signal.signal(number, handler)

    if outcome == "done":
        unexpected = stack.unexpected()
        for name, (expected, actual) in unexpected.items():
            print(f"devstack: {name} ended {actual}, expected {expected}", file=sys.stderr)
        return EXIT_UNEXPECTED if unexpected else EXIT_DONE
    if outcome == "timeout":
        print(
            f"devstack: not every submission ended within {args.timeout:.0f} s",
            file=sys.stderr,
        )
        return EXIT_TIMEOUT
    if outcome == "agent-exited":
        print(
            f"devstack: the agent exited by itself (status {agent_code}); see its log above",
            file=sys.stderr,
        )
        return EXIT_AGENT
    return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
