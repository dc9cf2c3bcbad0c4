"""Write docs/sbatch-options.md from the translator's option registry.

    uv run python tools/sbatch_option_table.py          # rewrite the file
    uv run python tools/sbatch_option_table.py --check  # exit 1 if the file is stale

tests/unit/sbatch/test_option_table.py runs the check, so the table never drifts.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jobbergate_agent.slurm.sbatch.registry import OPTIONS  # noqa: E402

DOC = ROOT / "docs" / "sbatch-options.md"

HEADER = """\
# sbatch options and what the agent does with them

Generated from `jobbergate_agent/slurm/sbatch/registry.py` by
`tools/sbatch_option_table.py`; do not edit by hand (a unit test checks it is in sync).

The agent reads `#SBATCH` lines and the submission's `sbatch_arguments` as sbatch does
(script first, then the arguments; the later option wins, `--mail-type` too as in sbatch 26.05;
the flag options such as `--spread-job` add up). Every option has one of three statuses:

- **translated**: becomes the JobDescription field(s) shown (names of slurmrestd's
  `job_desc_msg`); each REST version's adapter then renders them, and refuses the job with a
  message naming the option when its version cannot express a field;
- **rejected**: the submission is rejected with the reason shown, naming the option and its
  line (or sbatch_arguments);
- **ignored**: accepted with no effect on the job, for the reason shown.

An option that is not in this table is rejected as unknown (with a spelling suggestion).
Unambiguous abbreviations of long names are accepted, as getopt_long does.

| option | value | status | JobDescription field(s) | notes |
|---|---|---|---|---|
"""


def _row(spec) -> str:  # type: ignore[no-untyped-def]
    names = f"`--{spec.name}`" + (f", `-{spec.short}`" if spec.short else "")
    value = {"none": "-", "required": "required", "optional": "optional"}[spec.arg]
    fields = ", ".join(f"`{f}`" for f in spec.fields) or "-"
    note = spec.note.replace("|", "\\|") or "-"
    return f"| {names} | {value} | {spec.status} | {fields} | {note} |"


def render() -> str:
    rows = [_row(spec) for spec in sorted(OPTIONS, key=lambda s: s.name)]
    counts = {
        status: sum(1 for s in OPTIONS if s.status == status)
        for status in ("translated", "rejected", "ignored")
    }
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    return HEADER + "\n".join(rows) + f"\n\n{len(OPTIONS)} options: {summary}.\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        current = DOC.read_text() if DOC.exists() else ""
        if current != text:
            print(
                f"{DOC.relative_to(ROOT)} is stale; run tools/sbatch_option_table.py",
                file=sys.stderr,
            )
            return 1
        return 0
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
    print(f"wrote {DOC.relative_to(ROOT)} ({len(OPTIONS)} options)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
