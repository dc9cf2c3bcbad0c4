"""`jg-run translate`: fields with origins, options, and the REST body of a version."""

from __future__ import annotations

import json
from pathlib import Path

from jobbergate_agent.cli import main

SCRIPT = "#!/bin/bash\n#SBATCH -J demo -t 10\n#SBATCH --mem=1G\necho hi\n"


def write(tmp_path: Path, text: str = SCRIPT) -> Path:
    path = tmp_path / "demo.sh"
    path.write_text(text)
    return path


def test_prints_fields_and_options_with_origins(tmp_path, capsys):
    code = main(["translate", str(write(tmp_path)), "--sbatch-arg=--time=20", "--user", "jgbob"])
    out = capsys.readouterr().out
    assert code == 0
    assert "  name = demo    [script line 2]" in out
    assert "  time_limit = 20    [sbatch_arguments]" in out
    assert "  memory_per_node = 1024    [script line 3]" in out
    assert "  current_working_directory = /home/jgbob    [DEFAULT_SLURM_WORK_DIR]" in out
    assert "  -t 10    [script line 2] -> -  (overridden by --time=20 (sbatch_arguments))" in out


def test_rejection_exits_1_with_the_message(tmp_path, capsys):
    code = main(["translate", str(write(tmp_path, "#!/bin/sh\n#SBATCH --wait\n"))])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("rejected: unsupported #SBATCH option --wait on line 2")


def test_support_files_and_workdir(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.txt").write_text("data")
    code = main(
        [
            "translate",
            str(write(tmp_path)),
            "--support",
            "in.txt",
            "--workdir",
            "/scratch/x",
            "--show-script",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "  current_working_directory = /scratch/x    [submission execution_directory]" in out
    assert "_jg_put './in.txt' 0644" in out


def test_api_version_prints_the_body(tmp_path, capsys):
    code = main(["translate", str(write(tmp_path)), "--api-version", "v0.0.42"])
    out = capsys.readouterr().out
    assert code == 0, capsys.readouterr().err
    body = json.loads(out.split("REST v0.0.42 body:\n", 1)[1])
    job = body["job"]
    assert job["name"] == "demo"
    assert job["time_limit"] == {"set": True, "infinite": False, "number": 10}
    assert any(item.startswith("PATH=") for item in job["environment"])


def test_api_version_refusal_names_the_option(tmp_path, capsys):
    script = write(tmp_path, "#!/bin/sh\n#SBATCH --cores-per-socket=2\n")
    code = main(["translate", str(script), "--api-version", "v0.0.41"])
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot express cores_per_socket (from --cores-per-socket=2 (script line 2))" in err


def test_unknown_api_version(tmp_path, capsys):
    code = main(["translate", str(write(tmp_path)), "--api-version", "v0.0.12"])
    assert code == 1
    assert "v0.0.12 is not supported" in capsys.readouterr().err


def test_unreadable_script(tmp_path, capsys):
    code = main(["translate", str(tmp_path / "missing.sh")])
    assert code == 1
    assert "cannot read" in capsys.readouterr().err
