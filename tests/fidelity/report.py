"""The per-option table: one row per corpus script, one column per (cluster, REST version)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.fidelity.runner import Case, Outcome


def write_report(cases: list[Case], outcomes: dict[str, Outcome], wall: float, path: Path) -> str:
    pairs = list(dict.fromkeys(case.pair for case in cases))
    scripts = list({case.script.stem: case.script for case in cases}.values())
    lines = [
        "# sbatch fidelity: last run",
        "",
        f"{len(outcomes)} comparisons ({len(scripts)} scripts x {len(pairs)} cluster/version "
        f"pairs, 2 submissions each) in {wall:.1f} s.",
        "",
        "| script | option(s) | " + " | ".join(pairs) + " |",
        "|---|---|" + "---|" * len(pairs),
    ]
    for script in sorted(scripts, key=lambda s: s.stem):
        cells = []
        for pair in pairs:
            outcome = outcomes.get(f"{pair}/{script.stem}")
            cells.append(outcome.cell() if outcome else "n/a")
        title = script.title.replace("|", "/")
        lines.append(f"| {script.stem} | {title} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| cluster/version | identical | justified | refused | different | rejected | error |",
        "|---|---|---|---|---|---|---|",
    ]
    for pair in pairs:
        counts = Counter(o.status for o in outcomes.values() if o.case.pair == pair)
        lines.append(
            f"| {pair} | {counts['identical']} | {counts['justified']} | {counts['refused']} | "
            f"{counts['different']} | "
            f"{counts['rejected']} | {counts['error']} |"
        )
    details = [o for o in outcomes.values() if o.status in ("justified", "different", "error")]
    if details:
        lines += ["", "## Differences (justified ones: tests/fidelity/README.md) and errors", ""]
        for outcome in sorted(details, key=lambda o: o.case.id):
            lines.append(f"- {outcome.case.id}: {outcome.status} {outcome.message}".rstrip())
            lines += [f"  - {difference}" for difference in outcome.differences]
    text = "\n".join(lines) + "\n"
    path.write_text(text)
    return text
