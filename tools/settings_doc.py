"""Write `.env.example` and the README's settings table from jobbergate_agent/settings.py.

The comments above each field in settings.py are its documentation; this script carries them
into both documents, so neither can drift from the code (a unit test checks they are in sync).

    uv run python tools/settings_doc.py          # rewrite both files
    uv run python tools/settings_doc.py --check  # exit 1 if either is stale
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "jobbergate_agent" / "settings.py"
ENV_EXAMPLE = ROOT / ".env.example"
README = ROOT / "README.md"
START, END = "<!-- settings:start -->", "<!-- settings:end -->"


@dataclass
class Field:
    name: str
    section: str
    comment: list[str]
    default: str


def _default_text(name: str) -> str:
    sys.path.insert(0, str(ROOT))
    from pydantic import SecretStr

    from jobbergate_agent.settings import Settings

    info = Settings.model_fields[name]
    value = info.default
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        import json

        return json.dumps(value)
    return str(value)


def read_fields() -> list[Field]:
    source = SETTINGS.read_text()
    lines = source.splitlines()
    tree = ast.parse(source)
    settings = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
    fields: list[Field] = []
    section = ""
    previous_end = settings.body[0].end_lineno or 0
    for node in settings.body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            previous_end = node.end_lineno or previous_end
            continue
        comment: list[str] = []
        for line in lines[previous_end : node.lineno - 1]:
            text = line.strip()
            if text.startswith("# ---"):
                section = text.strip("# -")
                comment = []
            elif text.startswith("#"):
                comment.append(text.lstrip("#").strip())
        fields.append(Field(node.target.id, section, comment, _default_text(node.target.id)))
        previous_end = node.end_lineno or node.lineno
    return fields


def env_example(fields: list[Field]) -> str:
    out = [
        "# Every setting of jg-run, with its default. Copy to .env (or set these variables",
        "# in the environment) and uncomment what you change. Generated from",
        "# jobbergate_agent/settings.py by tools/settings_doc.py.",
        "",
    ]
    section = None
    for field in fields:
        if field.section != section:
            section = field.section
            out += ["", f"# === {section} ==="]
        out += [f"# {line}" for line in field.comment]
        out.append(f"# JOBBERGATE_AGENT_{field.name}={field.default}")
    return "\n".join(out).replace("\n\n\n", "\n\n") + "\n"


def readme_table(fields: list[Field]) -> str:
    rows = ["| setting (prefix `JOBBERGATE_AGENT_`) | default | meaning |", "|---|---|---|"]
    for field in fields:
        meaning = " ".join(field.comment) or "—"
        default = f"`{field.default}`" if field.default else "unset"
        rows.append(f"| `{field.name}` | {default} | {field.section}: {meaning} |")
    return "\n".join([START, *rows, END])


def render_readme(fields: list[Field]) -> str:
    text = README.read_text()
    if START in text:
        head, rest = text.split(START, 1)
        tail = rest.split(END, 1)[1]
        return head + readme_table(fields) + tail
    return text.replace("SETTINGS_TABLE", readme_table(fields))


def main(argv: list[str]) -> int:
    fields = read_fields()
    wanted = {ENV_EXAMPLE: env_example(fields), README: render_readme(fields)}
    if "--check" in argv:
        stale = [p.name for p, text in wanted.items() if not p.exists() or p.read_text() != text]
        if stale:
            print(f"out of date: {', '.join(stale)}; run: uv run python tools/settings_doc.py")
            return 1
        return 0
    for path, text in wanted.items():
        path.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
