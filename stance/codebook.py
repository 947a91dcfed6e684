"""Load, validate and render the codebook: the annotation schema as data.

Code never hard-codes label names; it asks the codebook. Loading validates the whole file
and reports every problem at once (duplicate key, unknown value, missing definition, ...).
"""

from __future__ import annotations

import html
import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .codebook_analysis import Composition, IndexDefinition, parse_analysis
from .errors import CodebookError, LabelError

DEFAULT_CODEBOOK_NAME = "codebook.yaml"
RESERVED_KEYS = {"enter", " ", "tab", "escape", "/", "?", "[", "]", "\\"}  # the app's search and help keys
# ';' joins multi-valued labels in CSV, ':' separates dimension and value in score columns.
FORBIDDEN_NAME_CHARS = set(";:,")


@dataclass(frozen=True)
class Rule:
    """A decision rule for hard cases, cited by id in annotation notes."""

    id: str
    text: str


@dataclass(frozen=True)
class Value:
    """One value of a dimension, with its keyboard key and examples."""

    name: str
    key: str
    definition: str
    examples: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dimension:
    """A question asked of every passage; `multi` dimensions take a set of values."""

    name: str
    question: str
    values: tuple[Value, ...]
    multi: bool = False
    rules: tuple[Rule, ...] = ()

    @property
    def value_names(self) -> list[str]:
        return [v.name for v in self.values]

    def value(self, name: str) -> Value:
        for v in self.values:
            if v.name == name:
                return v
        raise LabelError(
            f"unknown value {_shown(name)} for dimension {self.name!r}; valid: {', '.join(self.value_names)}"
        )


@dataclass(frozen=True)
class Codebook:
    """The whole schema: a name, a version and the dimensions in display order, and what the
    analysis computes from them (`index`, `composition`; None when the codebook defines none)."""

    name: str
    version: str
    dimensions: tuple[Dimension, ...]
    unit: str = "paragraph"
    description: str = ""
    source: str = field(default="", compare=False)
    index: IndexDefinition | None = None
    composition: Composition | None = None

    @property
    def dimension_names(self) -> list[str]:
        return [d.name for d in self.dimensions]

    def dimension(self, name: str) -> Dimension:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise LabelError(
            f"unknown dimension {_shown(name)}; valid: {', '.join(self.dimension_names)}"
        )

    def validate_label(self, dimension: str, value: str | list[str]) -> str | list[str]:
        """Check one label against the codebook and return it normalised.

        Single-valued dimensions take a string; multi-valued ones a list of strings (or a ';'-separated
        string) and return a sorted list. Any other type (a number, a boolean, null, an object, a
        nested list) is refused here, so that every entry point refuses it the same way.
        """
        if not isinstance(dimension, str):
            raise LabelError(f"a dimension name must be a string, got {_shown(dimension)}; "
                             f"valid: {', '.join(self.dimension_names)}")
        dim = self.dimension(dimension)
        if dim.multi:
            if isinstance(value, str):
                items = value.split(";")
            elif isinstance(value, (list, tuple)) and all(isinstance(i, str) for i in value):
                items = value
            else:
                raise LabelError(f"dimension {dim.name!r} takes a list of value names, got {_shown(value)}; "
                                 f"valid: {', '.join(dim.value_names)}")
            items = sorted({i.strip() for i in items if i.strip()})
            if not items:
                raise LabelError(f"empty value for multi-valued dimension {dim.name!r}")
            for item in items:
                dim.value(item)
            return items
        if not isinstance(value, str):
            raise LabelError(f"dimension {dim.name!r} takes one value name, got {_shown(value)}; "
                             f"valid: {', '.join(dim.value_names)}")
        dim.value(value)
        return value

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "unit": self.unit,
            "description": self.description,
            "dimensions": [
                {
                    "name": d.name,
                    "question": d.question,
                    "multi": d.multi,
                    "rules": [{"id": r.id, "text": r.text} for r in d.rules],
                    "values": [
                        {"name": v.name, "key": v.key, "definition": v.definition,
                         "examples": list(v.examples)}
                        for v in d.values
                    ],
                }
                for d in self.dimensions
            ],
            **({"analysis": self._analysis_dict()} if self.index or self.composition else {}),
        }

    def _analysis_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.index:
            i = self.index
            out["index"] = {"name": i.name, "dimension": i.dimension, "positive": i.positive,
                            "negative": i.negative, "exclude": {d: list(v) for d, v in i.exclude}}
        if self.composition:
            out["composition"] = {"dimension": self.composition.dimension,
                                  **({"split": self.composition.split} if self.composition.split else {})}
        return out


def _shown(value: Any, width: int = 60) -> str:
    """A value for an error message: its repr, cut short (hostile input can be megabytes)."""
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def default_codebook_path(version: str | None = None) -> Path:
    """The packaged default codebook file, or the packaged copy of an earlier `version` ("1.1"),
    kept so that labels made under it can be checked against the codebook they were made with."""
    data = Path(str(resources.files("stance") / "data"))
    path = data / f"codebook-{version}.yaml"
    if version is None or (not path.exists() and version == load_codebook(data / DEFAULT_CODEBOOK_NAME).version):
        return data / DEFAULT_CODEBOOK_NAME
    if not path.exists():
        known = sorted(p.stem.removeprefix("codebook-") for p in data.glob("codebook-*.yaml"))
        raise CodebookError([f"no packaged codebook of version {version!r}; packaged earlier versions: "
                             f"{', '.join(known) or 'none'}"], "default codebook")
    return path


DEFAULT_NAME = "policy-stance default"


def _default_analysis(dims: dict[str, Dimension]) -> dict[str, Any] | None:
    """The packaged default codebook's `analysis` section, for a copy of the default codebook made
    before codebooks had one (a project's codebook.yaml, or the packaged 1.1): such projects keep their
    restraint index. Used only when it fits the copy's dimensions; otherwise the codebook has none."""
    path = Path(str(resources.files("stance") / "data")) / DEFAULT_CODEBOOK_NAME
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("analysis")
    scratch: list[str] = []
    parse_analysis(raw, dims, scratch)
    return None if scratch else raw


def load_codebook(path: str | Path | None = None) -> Codebook:
    """Read and validate a codebook YAML file (the packaged default when `path` is None)."""
    path = Path(path) if path is not None else default_codebook_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CodebookError([f"file not found: {path}"], str(path)) from None
    except UnicodeDecodeError as exc:
        raise CodebookError([f"not UTF-8 ({exc.reason} at byte {exc.start})"], str(path)) from None
    return parse_codebook(text, source=str(path))


def parse_codebook(text: str, source: str = "codebook") -> Codebook:
    """Parse codebook YAML text, listing every problem in one `CodebookError`."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise CodebookError([f"{where}invalid YAML: {problem}"], source) from None
    problems: list[str] = []
    if not isinstance(data, dict):
        raise CodebookError(["the file must be a mapping with 'version' and 'dimensions'"], source)
    version = data.get("version")
    if version is None or str(version).strip() == "":
        problems.append("missing 'version'")
    raw_dims = data.get("dimensions")
    if not isinstance(raw_dims, list) or not raw_dims:
        problems.append("'dimensions' must be a non-empty list")
        raw_dims = []
    dims: list[Dimension] = []
    dim_names: set[str] = set()
    keys_seen: dict[str, str] = {}
    for i, raw in enumerate(raw_dims):
        where = f"dimensions[{i}]"
        if not isinstance(raw, dict):
            problems.append(f"{where} must be a mapping")
            continue
        name = str(raw.get("name") or "").strip()
        if not name:
            problems.append(f"{where} has no 'name'")
            name = f"#{i}"
        elif name in dim_names:
            problems.append(f"duplicate dimension {name!r}")
        dim_names.add(name)
        where = f"dimension {name!r}"
        multi = raw.get("multi", False)
        if not isinstance(multi, bool):
            problems.append(f"{where}: 'multi' must be true or false, got {multi!r}")
            multi = False
        rules = []
        rule_ids: set[str] = set()
        for r in raw.get("rules") or []:
            if not isinstance(r, dict) or not r.get("id") or not r.get("text"):
                problems.append(f"{where}: every rule needs an 'id' and a 'text'")
                continue
            if str(r["id"]) in rule_ids:
                problems.append(f"{where}: duplicate rule id {r['id']!r}")
            rule_ids.add(str(r["id"]))
            rules.append(Rule(str(r["id"]), " ".join(str(r["text"]).split())))
        raw_values = raw.get("values")
        if not isinstance(raw_values, list) or len(raw_values) < 2:
            problems.append(f"{where}: needs a list of at least two 'values'")
            raw_values = raw_values if isinstance(raw_values, list) else []
        values: list[Value] = []
        value_names: set[str] = set()
        for j, rv in enumerate(raw_values):
            if not isinstance(rv, dict):
                problems.append(f"{where}: values[{j}] must be a mapping")
                continue
            vname = str(rv.get("name") or "").strip()
            if not vname:
                problems.append(f"{where}: values[{j}] has no 'name'")
                continue
            vwhere = f"{name}.{vname}"
            if set(vname) & FORBIDDEN_NAME_CHARS:
                problems.append(f"{vwhere}: value names may not contain ';', ':' or ',' (used as separators)")
            if vname in value_names:
                problems.append(f"duplicate value {vwhere}")
            value_names.add(vname)
            definition = " ".join(str(rv.get("definition") or "").split())
            if not definition:
                problems.append(f"{vwhere}: missing definition")
            key = rv.get("key")
            key = "" if key is None else str(key)
            if len(key) != 1:
                problems.append(f"{vwhere}: 'key' must be a single character, got {key!r}")
            elif key.lower() in RESERVED_KEYS:
                problems.append(f"{vwhere}: key {key!r} is reserved for navigation")
            elif key.lower() in keys_seen:
                problems.append(
                    f"duplicate key {key!r}: used by {keys_seen[key.lower()]} and {vwhere}"
                )
            else:
                keys_seen[key.lower()] = vwhere
            examples = rv.get("examples") or []
            if not isinstance(examples, list):
                problems.append(f"{vwhere}: 'examples' must be a list")
                examples = []
            values.append(Value(vname, key.lower(), definition, tuple(str(e) for e in examples)))
        dims.append(
            Dimension(
                name=name,
                question=" ".join(str(raw.get("question") or "").split()),
                values=tuple(values),
                multi=multi,
                rules=tuple(rules),
            )
        )
    raw_analysis = data.get("analysis")
    if raw_analysis is None and data.get("name") == DEFAULT_NAME:
        raw_analysis = _default_analysis({d.name: d for d in dims})
    index, composition = parse_analysis(raw_analysis, {d.name: d for d in dims}, problems)
    if problems:
        raise CodebookError(problems, source)
    return Codebook(
        name=str(data.get("name") or "codebook"),
        version=str(version),
        dimensions=tuple(dims),
        unit=str(data.get("unit") or "paragraph"),
        description=" ".join(str(data.get("description") or "").split()),
        source=source,
        index=index,
        composition=composition,
    )


def copy_default_codebook(dest: str | Path) -> Path:
    """Copy the packaged default codebook to `dest` (a file path) so a project can edit it."""
    dest = Path(dest)
    shutil.copyfile(default_codebook_path(), dest)
    return dest


def render_text(codebook: Codebook) -> str:
    """The codebook as plain text for the terminal: every value with its key and definition."""
    lines = [f"{codebook.name} (version {codebook.version}; unit: {codebook.unit})", ""]
    for dim in codebook.dimensions:
        kind = "several values" if dim.multi else "one value"
        lines.append(f"{dim.name}  ({kind}) - {dim.question}")
        width = max(len(v.name) for v in dim.values)
        for v in dim.values:
            lines.append(f"  [{v.key}] {v.name.ljust(width)}  {v.definition}")
        for r in dim.rules:
            lines.append(f"  rule {r.id}: {r.text}")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_html(codebook: Codebook) -> str:
    """Annotator guidelines as one self-contained HTML page (no external assets)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{e(codebook.name)} - annotation guidelines</title>",
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}"
        "h2{border-bottom:2px solid #0072B2;padding-bottom:.2rem;margin-top:2.5rem}"
        "kbd{border:1px solid #999;border-radius:3px;padding:0 .35rem;background:#f4f4f4;font-weight:bold}"
        ".value{margin:1rem 0 1rem 1rem}.ex{color:#444;font-style:italic;margin:.2rem 0 .2rem 1.5rem}"
        ".rule{background:#f6f8fa;border-left:4px solid #E69F00;padding:.3rem .7rem;margin:.4rem 0}</style>",
        "</head><body>",
        f"<h1>{e(codebook.name)}: annotation guidelines</h1>",
        f"<p>Codebook version <b>{e(codebook.version)}</b>. Unit: one {e(codebook.unit)}.</p>",
        f"<p>{e(codebook.description)}</p>",
        "<ul>" + "".join(f"<li><a href='#{e(d.name)}'>{e(d.name)}</a></li>" for d in codebook.dimensions) + "</ul>",
    ]
    for dim in codebook.dimensions:
        kind = "choose every value that applies" if dim.multi else "choose one value"
        parts.append(f"<h2 id='{e(dim.name)}'>{e(dim.name)}</h2><p><b>{e(dim.question)}</b> ({kind})</p>")
        for v in dim.values:
            parts.append(
                f"<div class='value'><kbd>{e(v.key)}</kbd> <b>{e(v.name)}</b>: {e(v.definition)}"
                + "".join(f"<div class='ex'>&ldquo;{e(x)}&rdquo;</div>" for x in v.examples)
                + "</div>"
            )
        if dim.rules:
            parts.append("<h3>Decision rules</h3>")
            parts.extend(
                f"<div class='rule'><b>{e(r.id)}</b>: {e(r.text)}</div>" for r in dim.rules
            )
    parts.append("</body></html>")
    return "\n".join(parts)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects duplicate mapping keys instead of silently keeping the last."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None,
                f"duplicate key {key!r} (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
)
