"""Plain text (.txt): the file is one document, or with `split_docs` each article of a file that
concatenates several scraped articles (the author then from a trailing bio line)."""

from __future__ import annotations

from pathlib import Path

from ..passages import bio_name, split_concatenated
from .base import Record, decode, normalise_newlines


def records(path: Path, split_docs: bool = False) -> list[Record]:
    text, encoding = decode(path.read_bytes(), str(path))
    text = normalise_newlines(text)
    meta = {} if encoding == "utf-8" else {"encoding": encoding}
    if not split_docs:
        return [Record(str(path), str(path), text, meta)]
    out = []
    for i, (start, end) in enumerate(split_concatenated(text)):
        part = text[start:end]
        doc_meta = dict(meta, part=i + 1)
        name = next((found for line in part.split("\n") if (found := bio_name(line))), None)
        if name:
            doc_meta["author"] = name
        out.append(Record(f"{path}#{i + 1}", f"{path}#{i + 1}", part, doc_meta))
    return out
