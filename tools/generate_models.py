"""Generate lenient pydantic models, one module per slurmrestd REST version.

Input: the OpenAPI documents dumped from the lab's real slurmrestd servers, committed as
`openapi/slurm-<release>.json` (one document per Slurm release, each holding several REST
versions). Output: `jobbergate_agent/slurm/models/generated/v0_0_NN.py`.

For each wanted version the script
1. takes that version's paths and schemas out of the newest release's document that has it;
2. prunes the schemas to the closure of what the agent uses (submit, job info, job states,
   cancel, ping, the envelopes, and the slurmdbd job lookup where it is served);
3. repairs what the documents get wrong (bogus `required` entries, the `/jobs/state/` response,
   v0.0.38 `nodes`, v0.0.38 errors) and relaxes the rest: no `required`, no enums, no
   constraints, no defaults, so that every field is optional and Slurm's additions parse;
4. runs datamodel-code-generator with pinned options and writes the module with a header.

Usage:
    uv run python tools/generate_models.py           # regenerate the committed package
    uv run python tools/generate_models.py --check   # non-zero if the package is stale
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import difflib
import io
import json
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OPENAPI_DIR = ROOT / "openapi"
PACKAGE_DIR = ROOT / "jobbergate_agent" / "slurm" / "models" / "generated"

# v0.0.36-37 are older than the agent supports; v0.0.39 (Slurm 23.x) cannot be dumped in the
# lab, so it has no models.
WANTED_VERSIONS = ("v0.0.38", "v0.0.40", "v0.0.41", "v0.0.42", "v0.0.43", "v0.0.44", "v0.0.45")

# Options pinned so that the output depends on the input only (no timestamp, fixed formatters).
# fmt: off
CODEGEN_OPTIONS = [
    "--input-file-type", "openapi",
    "--openapi-scopes", "schemas",
    "--output-model-type", "pydantic_v2.BaseModel",
    "--target-python-version", "3.11",
    "--base-class", "jobbergate_agent.slurm.models.base.SlurmModel",
    "--use-annotated",
    "--field-constraints",
    "--use-union-operator",
    "--use-standard-collections",
    "--use-double-quotes",
    "--collapse-root-models",
    "--naming-strategy", "parent-prefixed",  # JobInfoPower, not Power1
    "--use-field-description",
    "--use-single-line-docstring",
    "--disable-timestamp",
    "--formatters", "builtin",
    "--ignore-pyproject",
    "--disable-warnings",
]
# fmt: on

SCHEMA_REF = "#/components/schemas/"
_PREFIXED_PATH = re.compile(r"^/(slurm|slurmdb)/(v0\.0\.\d+)(/.*)?$")
_SERVER_URL = re.compile(r"^/(slurm|slurmdb)/(v0\.0\.\d+)/?$")
_SCHEMA_NAME = re.compile(r"^(db)?(v0\.0\.\d+)_(.+)$")
_RELEASE_FILE = re.compile(r"^slurm-(\d+)\.(\d+)(?:\.(\d+))?\.json$")

# (plugin, path, method): the operations the agent calls. Paths compare without trailing "/".
OPERATIONS = [
    ("slurm", "/job/submit", "post"),
    ("slurm", "/job/{job_id}", "get"),
    ("slurm", "/jobs", "get"),
    ("slurm", "/jobs/state", "get"),
    ("slurm", "/job/{job_id}", "delete"),
    ("slurm", "/ping", "get"),
    ("slurmdb", "/job/{job_id}", "get"),
    ("slurmdb", "/jobs", "get"),
]
# Envelope schemas kept even when no kept operation reaches them.
ENVELOPES = (
    "openapi_meta",
    "openapi_error",
    "openapi_errors",
    "openapi_warning",
    "openapi_warnings",
    "openapi_resp",
    "meta",
    "error",
    "errors",
)

# Schema keywords dropped everywhere: Slurm violates its own constraints (uint ranges, enum
# members added in point releases, `required` entries that are slash paths), and defaults or
# deprecation markers would make pydantic fill values or warn on access.
_DROPPED_KEYWORDS = (
    "required",
    "enum",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "minProperties",
    "maxProperties",
    "format",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
    "nullable",
    "example",
    "examples",
    "title",
    "discriminator",
)


class GenerationError(Exception):
    """A document cannot be turned into models; the message says which and why."""


@dataclass
class VersionDoc:
    """One REST version's share of a release's document."""

    version: str
    source: Path
    release: tuple[int, ...]
    release_name: str
    # (plugin, path without trailing slash) -> path item, refs already renamed
    paths: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    schemas: dict[str, Any] = field(default_factory=dict)  # unprefixed name -> schema


@dataclass
class Generated:
    version: str
    module: str  # file name
    text: str
    classes: int
    notes: list[str]


# --- splitting -------------------------------------------------------------------------------


def _release_of(path: Path) -> tuple[tuple[int, ...], str]:
    match = _RELEASE_FILE.match(path.name)
    if not match:
        raise GenerationError(f"{path}: expected a name like slurm-26.05.5.json")
    parts = tuple(int(p) for p in match.groups() if p is not None)
    return parts, path.name.removeprefix("slurm-").removesuffix(".json")


def _schema_key(name: str) -> tuple[str, str] | None:
    """(version, local name) of a prefixed schema name; slurmdbd v0.0.3x ones get `db_`."""
    match = _SCHEMA_NAME.match(name)
    if not match:
        return None
    db, version, rest = match.groups()
    return version, (f"db_{rest}" if db else rest)


def _rename_refs(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                name = value[len(SCHEMA_REF) :]
                parsed = _schema_key(name)
                out[key] = SCHEMA_REF + (parsed[1] if parsed else name)
            else:
                out[key] = _rename_refs(value)
        return out
    if isinstance(node, list):
        return [_rename_refs(item) for item in node]
    return node


def _refs_in(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(SCHEMA_REF):
                found.add(value[len(SCHEMA_REF) :])
            else:
                found |= _refs_in(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs_in(item)
    return found


def _locate_relative_path(item: dict[str, Any], servers: list[dict[str, Any]]) -> tuple[str, str]:
    """(plugin, version) of a path key relative to `servers[0].url` (Slurm <= 22.05): by the
    schemas its operations use, else by the server URL."""
    versions = {}
    for ref in _refs_in(item):
        parsed = _schema_key(ref)
        if parsed:
            versions[parsed[0]] = "slurmdb" if ref.startswith("db") else "slurm"
    if len(versions) == 1:
        version, plugin = next(iter(versions.items()))
        return plugin, version
    url = servers[0].get("url", "") if servers else ""
    match = _SERVER_URL.match(url)
    if match and not versions:
        return match.group(1), match.group(2)
    raise GenerationError(f"cannot tell the REST version of a relative path (refs {versions})")


def split_document(path: Path) -> dict[str, VersionDoc]:
    """The REST versions held by one dumped document."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise GenerationError(f"{path}: not a readable JSON document ({exc})") from exc
    release, release_name = _release_of(path)
    docs: dict[str, VersionDoc] = {}

    def doc_for(version: str) -> VersionDoc:
        if version not in docs:
            docs[version] = VersionDoc(version, path, release, release_name)
        return docs[version]

    shared: dict[str, Any] = {}
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        parsed = _schema_key(name)
        if parsed is None:
            shared[name] = schema  # unversioned: offered to every version of this document
        else:
            doc_for(parsed[0]).schemas[parsed[1]] = _rename_refs(schema)
    servers = document.get("servers", [])
    for key, item in document.get("paths", {}).items():
        match = _PREFIXED_PATH.match(key)
        if match:
            plugin, version, rest = match.group(1), match.group(2), match.group(3) or "/"
        elif key.startswith("/openapi"):
            continue
        else:
            try:
                plugin, version = _locate_relative_path(item, servers)
            except GenerationError as exc:
                raise GenerationError(f"{path}: path {key}: {exc}") from exc
            rest = key
        doc_for(version).paths[(plugin, rest.rstrip("/") or "/")] = _rename_refs(item)
    for doc in docs.values():
        for name, schema in shared.items():
            doc.schemas.setdefault(name, _rename_refs(schema))
    return docs


def select_versions(paths: list[Path]) -> tuple[dict[str, VersionDoc], dict[str, list[str]]]:
    """Each wanted version from the newest release that has it; also where else it was."""
    chosen: dict[str, VersionDoc] = {}
    seen: dict[str, list[str]] = {}
    for path in paths:
        for version, doc in split_document(path).items():
            if version not in WANTED_VERSIONS:
                continue
            seen.setdefault(version, []).append(path.name)
            if version not in chosen or doc.release > chosen[version].release:
                chosen[version] = doc
    return chosen, seen


# --- pruning and repairs ---------------------------------------------------------------------


def _json_schema_of(content: dict[str, Any] | None) -> dict[str, Any] | None:
    if not content:
        return None
    media = content.get("application/json") or next(iter(content.values()), None)
    return (media or {}).get("schema")


def _operation_schemas(op: dict[str, Any]) -> list[dict[str, Any]]:
    schemas = []
    body = _json_schema_of(op.get("requestBody", {}).get("content"))
    if body:
        schemas.append(body)
    for response in op.get("responses", {}).values():
        schema = _json_schema_of(response.get("content"))
        if schema:
            schemas.append(schema)
    return schemas


def _resolve(doc: VersionDoc, schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref and ref.startswith(SCHEMA_REF):
        return doc.schemas.get(ref[len(SCHEMA_REF) :], {})
    return schema


def _is_correct_state_response(doc: VersionDoc, schema: dict[str, Any]) -> bool:
    jobs = _resolve(doc, _resolve(doc, schema).get("properties", {}).get("jobs", {}))
    items = _resolve(doc, jobs.get("items", {}))
    props = items.get("properties", {})
    return jobs.get("type") == "array" and "job_id" in props and "state" in props


def _envelope_ref(doc: VersionDoc, *names: str) -> dict[str, Any]:
    for name in names:
        if name in doc.schemas:
            return {"$ref": SCHEMA_REF + name}
    return {"type": "object"}


def _add_state_response(doc: VersionDoc) -> str:
    """What slurmrestd really sends for /jobs/state/ (slurmctld/jobs.c op_handler_job_states)."""
    doc.schemas["job_state_item"] = {
        "type": "object",
        "properties": {
            "job_id": {"type": "string", "description": "job id: '123', '123_4', '10+1'"},
            "state": {
                "type": "array",
                "items": {"type": "string"},
                "description": "base state and flags, e.g. ['PENDING']",
            },
        },
    }
    # the envelope as this version declares it (a $ref, or inline in v0.0.41's dumps)
    envelope = doc.schemas.get("openapi_resp", {}).get("properties", {})
    properties: dict[str, Any] = {
        "jobs": {"type": "array", "items": {"$ref": SCHEMA_REF + "job_state_item"}},
    }
    for key, names in (
        ("meta", ["openapi_meta"]),
        ("errors", ["openapi_errors"]),
        ("warnings", ["openapi_warnings"]),
    ):
        properties[key] = (
            copy.deepcopy(envelope[key]) if key in envelope else _envelope_ref(doc, *names)
        )
    doc.schemas["openapi_job_state_resp"] = {"type": "object", "properties": properties}
    return "openapi_job_state_resp"


def _add_v38_envelope(doc: VersionDoc) -> str:
    """v0.0.38 declares its error body as a bare array and its cancel answer not at all; the
    server sends `{meta, errors}` for both."""
    doc.schemas["openapi_resp"] = {
        "type": "object",
        "properties": {
            "meta": _envelope_ref(doc, "meta"),
            "errors": _envelope_ref(doc, "errors"),
        },
    }
    return "openapi_resp"


def pick_roots(doc: VersionDoc, notes: list[str]) -> list[str]:
    roots: list[str] = []

    def add(name: str) -> None:
        if name not in roots:
            roots.append(name)

    for plugin, path, method in OPERATIONS:
        item = doc.paths.get((plugin, path))
        op = (item or {}).get(method)
        if op is None:
            continue
        if path == "/jobs/state":
            declared = next(iter(_operation_schemas(op)), {})
            if _is_correct_state_response(doc, declared):
                add(_resolve_name(declared))
            else:
                add(_add_state_response(doc))
                notes.append(
                    "/jobs/state/ is declared as openapi_job_info_resp; "
                    "OpenapiJobStateResp/JobStateItem describe what is sent"
                )
            continue
        for schema in _operation_schemas(op):
            name = _resolve_name(schema)
            if name and doc.schemas.get(name, {}).get("type") == "array" and name == "errors":
                continue  # v0.0.38's bogus error body, replaced by openapi_resp below
            if name:
                add(name)
    if doc.version == "v0.0.38":
        add(_add_v38_envelope(doc))
        notes.append("error and cancel bodies are {meta, errors}: OpenapiResp (not declared)")
    for name in ENVELOPES:
        if name in doc.schemas:
            add(name)
    return roots


def _resolve_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    return ref[len(SCHEMA_REF) :] if ref.startswith(SCHEMA_REF) else ""


def closure(doc: VersionDoc, roots: list[str]) -> list[str]:
    """Roots plus every schema they reach, in the document's order."""
    reached: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in reached:
            continue
        if name not in doc.schemas:
            raise GenerationError(f"{doc.source.name} {doc.version}: $ref to missing schema {name}")
        reached.add(name)
        todo.extend(_refs_in(doc.schemas[name]) - reached)
    return [name for name in doc.schemas if name in reached]


# Inline object schemas that get a name of their own, as in the documents that use $refs
# (24.11 dumps v0.0.41 with single-use schemas inlined): by property name, or for arrays by
# the property holding the items.
_HOIST_OBJECT = {
    "meta": "openapi_meta",
    "exit_code": "process_exit_code_verbose",
    "derived_exit_code": "process_exit_code_verbose",
    "job_resources": "job_res",
    "result": "job_submit_response_msg",
}
_HOIST_ITEMS = {
    "errors": "openapi_error",
    "warnings": "openapi_warning",
    "pings": "controller_ping",
}
_NO_VAL = {
    "integer/int64": "uint64_no_val",
    "integer/int32": "uint32_no_val",
    "number/double": "float64_no_val",
}


def _hoist_name(version: str, schema: dict[str, Any], prop: str, is_items: bool) -> str | None:
    props = schema.get("properties")
    if not isinstance(props, dict) or "$ref" in schema:
        return None
    if set(props) == {"set", "infinite", "number"}:
        number = props["number"]
        base = _NO_VAL.get(f"{number.get('type')}/{number.get('format')}")
        # v0.0.41 renamed them *_no_val_struct (24.05)
        return None if base is None else base + ("_struct" if int(version[5:]) >= 41 else "")
    if is_items and prop == "jobs":  # slurmctld's job_info or slurmdbd's job
        return "job_info" if "job_state" in props else "job" if "state" in props else None
    return (_HOIST_ITEMS if is_items else _HOIST_OBJECT).get(prop)


def hoist_inline_schemas(doc: VersionDoc, names: list[str]) -> list[str]:
    """Give well-known inline objects their usual schema names (in place); returns the names
    added. A name already taken by a schema with other properties is left alone."""
    added: list[str] = []

    def place(schema: dict[str, Any], prop: str, is_items: bool) -> dict[str, Any]:
        name = _hoist_name(doc.version, schema, prop, is_items)
        if name is None:
            visit(schema)
            return schema
        existing = doc.schemas.get(name)
        if existing is None:
            inner = {k: v for k, v in schema.items() if k != "description"}
            doc.schemas[name] = inner
            added.append(name)
            visit(inner)
        elif set(existing.get("properties", {})) != set(schema["properties"]):
            visit(schema)
            return schema
        replacement = {"$ref": SCHEMA_REF + name}
        if "description" in schema:
            replacement["description"] = schema["description"]
        return replacement

    def visit(schema: dict[str, Any]) -> None:
        for prop, sub in list(schema.get("properties", {}).items()):
            if not isinstance(sub, dict):
                continue
            if sub.get("type") == "array" and isinstance(sub.get("items"), dict):
                sub["items"] = place(sub["items"], prop, True)
            else:
                schema["properties"][prop] = place(sub, prop, False)

    for name in names:
        visit(doc.schemas[name])
    return added


def relax(schema: Any) -> Any:
    """A copy of a schema without the keywords that make parsing strict."""
    if isinstance(schema, list):
        return [relax(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    had_enum = "enum" in schema
    for key, value in schema.items():
        if key in _DROPPED_KEYWORDS:
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {prop: relax(sub) for prop, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = relax(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [relax(sub) for sub in value]
        else:
            out[key] = value
    if had_enum and "type" not in out and "$ref" not in out:
        out["type"] = "string"
    return out


def repair_v38(schemas: dict[str, Any], notes: list[str]) -> None:
    """v0.0.38's hand-written spec: `nodes` in a request is "2", "2-4" or [min, max], declared
    as an int array only."""
    for name, schema in schemas.items():
        nodes = schema.get("properties", {}).get("nodes")
        if nodes and nodes.get("type") == "array":
            schema["properties"]["nodes"] = {
                "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "integer"}}],
                "description": nodes.get("description", "") + " (a count, 'min-max' or [min, max])",
            }
            notes.append(f"{name}.nodes accepts a string or [min, max] (declared int array)")


def prune(doc: VersionDoc) -> tuple[dict[str, Any], list[str]]:
    """The pruned, repaired, relaxed OpenAPI document for one version, and what was done."""
    notes: list[str] = []
    roots = pick_roots(doc, notes)
    hoisted = hoist_inline_schemas(doc, closure(doc, roots))
    if hoisted:
        notes.append("inline schemas named as in the other dumps: " + ", ".join(sorted(hoisted)))
    names = closure(doc, roots)
    bogus = sorted(
        name
        for name in names
        if any(
            "/" in entry
            for entry in doc.schemas[name].get("required", [])
            if isinstance(entry, str)
        )
    )
    if bogus:
        notes.append("bogus required entries (slash paths) in " + ", ".join(bogus))
    schemas = {name: relax(copy.deepcopy(doc.schemas[name])) for name in names}
    if doc.version == "v0.0.38":
        repair_v38(schemas, notes)
    notes.append("every required list, enum, constraint and default removed: all fields optional")
    document = {
        "openapi": "3.0.3",
        "info": {"title": f"slurmrestd {doc.version}", "version": doc.version},
        "paths": {},
        "components": {"schemas": schemas},
    }
    return document, notes


# --- code generation -------------------------------------------------------------------------


def module_name(version: str) -> str:
    return version.replace(".", "_") + ".py"


def _header(doc: VersionDoc, seen: list[str], notes: list[str]) -> str:
    source = doc.source.relative_to(ROOT) if doc.source.is_relative_to(ROOT) else doc.source
    lines = [
        f"generated by tools/generate_models.py from {source.as_posix()}; do not edit",
        f"REST {doc.version} as served by Slurm {doc.release_name}.",
    ]
    others = [name for name in seen if name != doc.source.name]
    if others:
        lines.append(
            f"{doc.version} is also in {', '.join(sorted(others))}; "
            "the newer release's document is used."
        )
    lines.append("Repairs:")
    lines.extend(f"- {note}" for note in notes)
    return "\n".join(f"# {line}".rstrip() for line in lines)


def run_codegen(document: dict[str, Any], header: str, workdir: Path) -> str:
    """datamodel-codegen's own command line, run in this process: importing it costs more than
    generating a version, so it is imported once for all of them."""
    from datamodel_code_generator.__main__ import main as codegen_main

    spec = workdir / "spec.json"
    out = workdir / "model.py"
    spec.write_text(json.dumps(document, indent=1))
    argv = [
        "--input",
        str(spec),
        "--output",
        str(out),
        "--custom-file-header",
        header,
        *CODEGEN_OPTIONS,
    ]
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(errors):
        status = codegen_main(argv)
    if int(status) != 0 or not out.exists():
        raise GenerationError(f"datamodel-codegen failed ({status}):\n{errors.getvalue()}")
    return out.read_text()


def generate(openapi_dir: Path) -> list[Generated]:
    paths = sorted(openapi_dir.glob("slurm-*.json"))
    if not paths:
        raise GenerationError(f"no slurm-<release>.json documents in {openapi_dir}")
    chosen, seen = select_versions(paths)
    results = []
    for version in WANTED_VERSIONS:
        if version not in chosen:
            continue
        doc = chosen[version]
        document, notes = prune(doc)
        with tempfile.TemporaryDirectory(prefix="genmodels-") as tmp:
            text = run_codegen(document, _header(doc, seen[version], notes), Path(tmp))
        classes = len(re.findall(r"^class \w+\(", text, flags=re.MULTILINE))
        results.append(Generated(version, module_name(version), text, classes, notes))
    return results


INIT_TEXT = (
    '"""Generated models, one module per REST version (tools/generate_models.py).\n\n'
    "Nothing is imported here: load the negotiated version only, with\n"
    "jobbergate_agent.slurm.models.load_models().\n"
    '"""\n'
)


def write_package(results: list[Generated], target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    wanted = {r.module for r in results} | {"__init__.py"}
    for stale in target.glob("*.py"):
        if stale.name not in wanted:
            stale.unlink()
    (target / "__init__.py").write_text(INIT_TEXT)
    for result in results:
        (target / result.module).write_text(result.text)


def compare(expected_dir: Path, actual_dir: Path) -> list[str]:
    """Human-readable differences between two generated packages (empty when identical)."""
    problems = []
    expected = {p.name: p for p in expected_dir.glob("*.py")}
    actual = {p.name: p for p in actual_dir.glob("*.py")} if actual_dir.is_dir() else {}
    for name in sorted(expected.keys() | actual.keys()):
        if name not in actual:
            problems.append(f"missing: {name}")
        elif name not in expected:
            problems.append(f"not generated any more: {name}")
        elif expected[name].read_bytes() != actual[name].read_bytes():
            diff = list(
                difflib.unified_diff(
                    actual[name].read_text().splitlines(),
                    expected[name].read_text().splitlines(),
                    f"committed/{name}",
                    f"regenerated/{name}",
                    lineterm="",
                    n=1,
                )
            )
            shown = "\n".join(diff[:20]) + ("\n..." if len(diff) > 20 else "")
            problems.append(f"differs: {name}\n{shown}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--openapi-dir", type=Path, default=OPENAPI_DIR)
    parser.add_argument("--output", type=Path, default=PACKAGE_DIR)
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate into a temporary directory and compare with --output",
    )
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        results = generate(args.openapi_dir)
    except GenerationError as exc:
        print(f"generate_models: {exc}", file=sys.stderr)
        return 2
    if args.check:
        with tempfile.TemporaryDirectory(prefix="genmodels-check-") as tmp:
            write_package(results, Path(tmp))
            problems = compare(Path(tmp), args.output)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            print(
                f"generate_models: {args.output} is out of date with {args.openapi_dir}: "
                "run `make models` and commit the result",
                file=sys.stderr,
            )
            return 1
        print(f"generate_models: {args.output} is up to date ({len(results)} versions)")
        return 0
    write_package(results, args.output)
    for result in results:
        print(f"{result.version}: {result.classes} classes -> {args.output / result.module}")
    print(f"generate_models: {len(results)} modules in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
