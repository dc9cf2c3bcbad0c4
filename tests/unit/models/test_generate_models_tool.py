"""tools/generate_models.py on small synthetic documents: split, choice, pruning, repairs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "generate_models.py"


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_models", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_models"] = module
    spec.loader.exec_module(module)
    return module


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def response(name: str) -> dict[str, Any]:
    return {"200": {"description": "", "content": {"application/json": {"schema": ref(name)}}}}


def v4x_document(version: str, marker: str) -> dict[str, Any]:
    p = f"{version}_"
    schemas = {
        f"{p}openapi_meta": {
            "type": "object",
            "properties": {"marker": {"type": "string", "enum": [marker]}},
        },
        f"{p}openapi_errors": {"type": "array", "items": ref(f"{p}openapi_error")},
        f"{p}openapi_error": {"type": "object", "properties": {"error": {"type": "string"}}},
        f"{p}openapi_warnings": {"type": "array", "items": ref(f"{p}openapi_warning")},
        f"{p}openapi_warning": {"type": "object", "properties": {"source": {"type": "string"}}},
        f"{p}openapi_job_info_resp": {
            "type": "object",
            "required": ["jobs"],
            "properties": {
                "jobs": {"type": "array", "items": ref(f"{p}job_info")},
                "meta": ref(f"{p}openapi_meta"),
            },
        },
        f"{p}job_info": {
            "type": "object",
            "required": ["job_id", "nodes/count"],
            "properties": {
                "job_id": {
                    "type": "integer",
                    "format": "int32",
                    "minimum": 0,
                    "maximum": 4294967295,
                },
                "job_state": {"type": "array", "items": {"type": "string", "enum": ["PENDING"]}},
                "global": {"type": "string", "deprecated": True},
            },
        },
        f"{p}unused": {"type": "object", "properties": {"x": {"type": "string"}}},
    }
    info = {"get": {"responses": response(f"{p}openapi_job_info_resp")}}
    return {
        "openapi": "3.0.3",
        "info": {"version": "test"},
        "paths": {f"/slurm/{version}/job/{{job_id}}": info, f"/slurm/{version}/jobs/state/": info},
        "components": {"schemas": schemas},
    }


def test_split_prefixed_and_relative_documents(gen: ModuleType, tmp_path: Path) -> None:
    new = v4x_document("v0.0.42", "new")
    new["paths"].update(v4x_document("v0.0.43", "new")["paths"])
    new["components"]["schemas"].update(v4x_document("v0.0.43", "new")["components"]["schemas"])
    (tmp_path / "slurm-26.05.5.json").write_text(json.dumps(new))
    relative = {
        "servers": [{"url": "/slurm/v0.0.38/"}],
        "paths": {"/ping/": {"get": {"responses": response("v0.0.38_pings")}}},
        "components": {"schemas": {"v0.0.38_pings": {"type": "object"}}},
    }
    (tmp_path / "slurm-22.05.8.json").write_text(json.dumps(relative))

    docs = gen.split_document(tmp_path / "slurm-26.05.5.json")
    assert sorted(docs) == ["v0.0.42", "v0.0.43"]
    assert ("slurm", "/jobs/state") in docs["v0.0.43"].paths
    assert "job_info" in docs["v0.0.43"].schemas  # prefix gone
    items = docs["v0.0.43"].schemas["openapi_job_info_resp"]["properties"]["jobs"]["items"]
    assert items == ref("job_info")
    old = gen.split_document(tmp_path / "slurm-22.05.8.json")
    assert list(old) == ["v0.0.38"] and ("slurm", "/ping") in old["v0.0.38"].paths


def test_newer_release_wins_and_is_named(gen: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "slurm-24.11.5.json").write_text(json.dumps(v4x_document("v0.0.42", "old")))
    (tmp_path / "slurm-26.05.5.json").write_text(json.dumps(v4x_document("v0.0.42", "new")))
    chosen, seen = gen.select_versions(sorted(tmp_path.glob("*.json")))
    assert chosen["v0.0.42"].release_name == "26.05.5"
    assert seen["v0.0.42"] == ["slurm-24.11.5.json", "slurm-26.05.5.json"]
    header = gen._header(chosen["v0.0.42"], seen["v0.0.42"], ["a repair"])
    assert "v0.0.42 is also in slurm-24.11.5.json; the newer release's document is used." in header


def test_prune_repairs_and_relaxes(gen: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "slurm-26.05.5.json").write_text(json.dumps(v4x_document("v0.0.44", "x")))
    doc = gen.split_document(tmp_path / "slurm-26.05.5.json")["v0.0.44"]
    pruned, notes = gen.prune(doc)
    schemas = pruned["components"]["schemas"]
    assert "unused" not in schemas  # not reachable from the agent's operations
    assert {"openapi_job_info_resp", "job_info", "openapi_meta"} <= schemas.keys()
    # the declared /jobs/state/ answer is wrong: the real one is added
    assert schemas["openapi_job_state_resp"]["properties"]["jobs"]["items"] == ref("job_state_item")
    assert any("/jobs/state/" in note for note in notes)
    assert any("bogus required" in note and "job_info" in note for note in notes)
    text = json.dumps(schemas)
    for keyword in ('"required"', '"enum"', '"minimum"', '"maximum"', '"format"', '"deprecated"'):
        assert keyword not in text
    assert schemas["job_info"]["properties"]["job_state"]["items"] == {"type": "string"}


def test_generation_is_deterministic_and_check_detects_drift(
    gen: ModuleType, tmp_path: Path
) -> None:
    source = tmp_path / "openapi"
    source.mkdir()
    (source / "slurm-26.05.5.json").write_text(json.dumps(v4x_document("v0.0.44", "x")))
    out = tmp_path / "generated"
    assert gen.main(["--openapi-dir", str(source), "--output", str(out)]) == 0
    first = (out / "v0_0_44.py").read_bytes()
    assert b"class JobInfo(SlurmModel)" in first and b"class OpenapiJobStateResp" in first
    assert b'global_: Annotated[str | None, Field(alias="global")] = None' in first
    assert gen.main(["--openapi-dir", str(source), "--output", str(out), "--check"]) == 0
    (out / "v0_0_44.py").write_bytes(first.replace(b"class JobInfo", b"class Edited"))
    assert gen.main(["--openapi-dir", str(source), "--output", str(out), "--check"]) == 1
    assert gen.main(["--openapi-dir", str(source), "--output", str(out)]) == 0
    assert (out / "v0_0_44.py").read_bytes() == first
