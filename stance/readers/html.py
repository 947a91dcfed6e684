"""HTML pages (.html): the main text and its title, author, date and site, extracted by trafilatura."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .base import Record, decode


def records(path: Path, split_docs: bool = False) -> list[Record]:
    import trafilatura

    html, _ = decode(path.read_bytes(), str(path))
    extracted = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                            include_tables=False)
    body = (getattr(extracted, "text", None) or "").strip() if extracted is not None else ""
    if len(body.split()) < 3:  # trafilatura falls back to navigation text on pages with no article
        raise InputError(f"{path}: no main text found in the HTML page")
    found = {k: getattr(extracted, k, None) for k in ("title", "author", "date", "url")}
    sitename = getattr(extracted, "sitename", None)
    if sitename:
        found["outlet"] = sitename
    lines = body.split("\n")
    if found.get("title") and lines[0].strip() == str(found["title"]).strip() and len(lines) > 1:
        body = "\n".join(lines[1:]).strip()
    # trafilatura gives one paragraph per line; blank lines make the paragraphs explicit.
    body = "\n\n".join(line.strip() for line in body.split("\n") if line.strip())
    return [Record(str(path), str(path), body, {k: v for k, v in found.items() if v})]
