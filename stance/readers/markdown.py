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
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: front matter is not valid YAML: {exc}") from None
        if isinstance(front, dict):
            meta.update((str(k), v) for k, v in front.items())
        text = text[match.end():]
    heading = re.search(r"^#\s+(.+)$", text, re.M)
    if heading:
        meta.setdefault("title", heading.group(1).strip())
    if not text.strip():
        raise InputError(f"{path}: no text after the front matter")
    return [Record(str(path), str(path), text, meta)]
