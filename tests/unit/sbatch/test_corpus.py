"""The fidelity corpus: every script is accepted by the translator, with its metadata."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from jobbergate_agent.settings import Settings
from jobbergate_agent.slurm.sbatch import build_job

CORPUS = Path(__file__).resolve().parents[2] / "fidelity" / "corpus"
SCRIPTS = sorted(CORPUS.glob("*.sh"))
PLACEHOLDERS = {"@NODE@": "lab2411n1", "@JOBID@": "101"}


def metadata(text: str) -> dict[str, str]:
    meta = {}
    for line in text.splitlines():
        if line.startswith("# fidelity: "):
            key, _, value = line.removeprefix("# fidelity: ").partition("=")
            meta[key] = value
    return meta


def test_the_corpus_is_large_enough():
    assert len(SCRIPTS) >= 60


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_corpus_script_translates(path: Path):
    text = path.read_text()
    for token, value in PLACEHOLDERS.items():
        text = text.replace(token, value)
    meta = metadata(text)
    built = build_job(
        path.name,
        text.encode(),
        sbatch_arguments=shlex.split(meta.get("sbatch-args", "")),
        username=meta.get("user", "jgalice"),
        job_name=path.name,
        settings=Settings(),
    )
    job = built.job
    # held or in the future, unless the job is meant to run
    if meta.get("runs") != "yes":
        assert job.hold or job.begin_time, f"{path.name} could start during a comparison"
    assert all(option.fields or option.note for option in built.options)
