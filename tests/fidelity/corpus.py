"""The fidelity corpus as the suite reads it: scripts, their `# fidelity:` metadata, and the
per-cluster text each one becomes once its placeholders are filled in."""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


@dataclass(frozen=True)
class CorpusScript:
    path: Path
    text: str
    meta: dict[str, str]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def stem(self) -> str:
        return self.path.stem

    @property
    def title(self) -> str:
        """What the script covers, from its `# fidelity corpus: ...` line."""
        for line in self.text.splitlines():
            if line.startswith("# fidelity corpus:"):
                return line.removeprefix("# fidelity corpus:").strip()
        return self.stem

    @property
    def sbatch_arguments(self) -> list[str]:
        return shlex.split(self.meta.get("sbatch-args", ""))

    @property
    def user(self) -> str:
        return self.meta.get("user", "jgalice")

    @property
    def runs(self) -> bool:
        return self.meta.get("runs") == "yes"

    def refused_on(self, slurm_version: str) -> bool:
        """Whether this Slurm refuses the job itself (`refused-from`): then sbatch and the
        agent must both be refused, for the same reason."""
        first = self.meta.get("refused-from")
        return first is not None and _release(slurm_version) >= _release(first)

    def applies_to(self, slurm_version: str) -> bool:
        minimum = self.meta.get("min-slurm")
        return minimum is None or _release(slurm_version) >= _release(minimum)

    def render(self, placeholders: dict[str, str]) -> str:
        text = self.text
        for token, value in placeholders.items():
            text = text.replace(token, value)
        return text


def metadata(text: str) -> dict[str, str]:
    meta = {}
    for line in text.splitlines():
        if line.startswith("# fidelity: "):
            key, _, value = line.removeprefix("# fidelity: ").partition("=")
            meta[key.strip()] = value.strip()
    return meta


def load_corpus() -> list[CorpusScript]:
    scripts = []
    for path in sorted(CORPUS_DIR.glob("*.sh")):
        text = path.read_text()
        scripts.append(CorpusScript(path, text, metadata(text)))
    return scripts


def sbatch_header(script: str) -> list[str]:
    """The #SBATCH lines sbatch reads: those before the first command line."""
    lines = []
    for index, line in enumerate(script.splitlines()):
        stripped = line.strip()
        if index == 0 and stripped.startswith("#!"):
            continue
        if not stripped:
            continue
        if not stripped.startswith("#"):
            break
        if stripped.startswith("#SBATCH"):
            lines.append(line)
    return lines
