"""Markdown (.md): one document; YAML front matter gives metadata, the first '# ' heading the title."""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from .base import Record, decode, normalise_newlines

_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


def records(path: Path, split_docs: bool = False) -> list[Record]:
    import yaml

    text, _ = decode(path.read_bytes(), str(path))
    text = normalise_newlines(text)
    meta: dict = {}
    match = _FRONT_MATTER.match(text)
    if match:
        try:
            front = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:  # PyYAML's own message spans several lines: name the line and the problem
            mark = getattr(exc, "problem_mark", None)
            line = f"line {mark.line + 2}: " if mark is not None else ""  # +2: the "---" line, and 0-based
            problem = " ".join(str(getattr(exc, "problem", None) or "cannot be parsed").split())
            raise InputError(f"{path}: {line}front matter is not valid YAML ({problem})") from None
        if isinstance(front, dict):
            meta.update((str(k), v) for k, v in front.items())
        text = text[match.end():]
    heading = re.search(r"^#\s+(.+)$", text, re.M)
    if heading:
        meta.setdefault("title", heading.group(1).strip())
    if not text.strip():
        raise InputError(f"{path}: no text after the front matter")
    return [Record(str(path), str(path), text, meta)]
