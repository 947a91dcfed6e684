"""Split a document into passages with exact character offsets, stable ids and boilerplate flags.

A passage is a paragraph by default, a sentence on request. ``passage.text`` is always
``document.text[passage.start:passage.end]``, so every label can be traced back to the source.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

UNITS = ("paragraph", "sentence")

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")

# Boilerplate found on news and magazine pages. Each kind is a regex tried on the stripped
# passage; `max_words` keeps a long real paragraph that happens to mention a newsletter from
# being flagged. Flags only mark passages so that queues and reports can skip them.
_BOILERPLATE: list[tuple[str, re.Pattern[str], int]] = [
    ("credit", re.compile(r"^(?:top |header |featured |lead )?(?:image|photo|picture|video)s?(?: credit)?\s*:"
                          r"|^(?:photo|image) credit\b|^credits?\s*:", re.I), 120),
    ("more", re.compile(r"^(?:keep reading|read more|continue reading|show (?:more|less)|related\s*:)"
                        r"|keep reading\s*show less$", re.I), 20),
    ("subscribe", re.compile(r"^(?:subscribe|sign up|join (?:our|the)|get our|follow us|support (?:our|us)"
                             r"|donate|become a (?:member|subscriber))\b|\bnewsletter\b|\bunsubscribe\b",
                             re.I), 60),
    ("transcript", re.compile(r"^[\[(]\s*(?:applause|laughter|cheers|cheering|booing|crosstalk|inaudible"
                              r"|music|silence|pause|end of (?:transcript|remarks))\b[^\])]{0,40}[\])]\.?$",
                              re.I), 8),
    ("copyright", re.compile(r"^(?:©|\(c\)\s|copyright\b)|all rights reserved", re.I), 40),
    ("bio", re.compile(r"^(?P<name>[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3}),? (?:is|was|serves as) (?:an? |the )?"
                       r".{0,160}?\b(?i:fellow|director|professor|editor|correspondent|reporter|analyst|author"
                       r"|writer|president|researcher|contributor|columnist|scholar|officer|chair|founder"
                       r"|journalist|lecturer|associate)\b"), 80),
]
_HEADING = re.compile(r"^[^.!?]{1,80}:$")
_BIO = next(pattern for kind, pattern, _ in _BOILERPLATE if kind == "bio")
_MAX_BOILERPLATE_WORDS = max(limit for _, _, limit in _BOILERPLATE)


@dataclass(frozen=True)
class Passage:
    """A span of a document: ``text == document_text[start:end]``."""

    id: str
    seq: int
    start: int
    end: int
    text: str
    unit: str = "paragraph"
    is_boilerplate: bool = False


def boilerplate_kind(text: str) -> str | None:
    """The kind of boilerplate a passage is ('credit', 'more', 'subscribe', 'transcript', 'copyright',
    'bio', 'heading'), or None for real content."""
    stripped = text.strip()
    if not stripped:
        return "empty"
    words = len(stripped.split())
    if words > _MAX_BOILERPLATE_WORDS:  # fast path: long paragraphs are content
        return None
    for kind, pattern, max_words in _BOILERPLATE:
        if words <= max_words and pattern.search(stripped):
            return kind
    if words <= 8 and _HEADING.match(stripped):
        return "heading"
    return None


def bio_name(text: str) -> str | None:
    """The person's name if the passage is an author bio ("Jane Doe is a fellow at ...")."""
    match = _BIO.match(text.strip())
    return match.group("name") if match else None


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, whitespace trimmed.

    Blank lines separate paragraphs when the text has any; otherwise (one paragraph a line,
    as in many scraped files) every non-empty line is a paragraph.
    """
    if _BLANK_LINE.search(text):
        bounds, pos = [], 0
        for match in _BLANK_LINE.finditer(text):
            bounds.append((pos, match.start()))
            pos = match.end()
        bounds.append((pos, len(text)))
    else:
        bounds, pos = [], 0
        for line in text.split("\n"):
            bounds.append((pos, pos + len(line)))
            pos += len(line) + 1
    spans = []
    for start, end in bounds:
        chunk = text[start:end]
        stripped = chunk.strip()
        if not stripped:
            continue
        lead = len(chunk) - len(chunk.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))
    return spans


@lru_cache(maxsize=1)
def _punkt():
    # Punkt with hand-set abbreviations instead of nltk.download('punkt'): no network at run time,
    # and these are the abbreviations that break sentences in foreign-policy prose.
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = {
        "u.s", "u.k", "u.n", "e.u", "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt",
        "cpl", "sgt", "adm", "sen", "rep", "gov", "pres", "amb", "st", "no", "vs", "e.g", "i.e", "etc",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "inc",
        "corp", "co", "jr", "sr", "dept", "approx", "est", "fig", "al", "u.s.a", "d.c",
    }
    return PunktSentenceTokenizer(params)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; sentences never cross paragraph boundaries."""
    tokenizer = _punkt()
    spans = []
    for p_start, p_end in paragraph_spans(text):
        for s_start, s_end in tokenizer.span_tokenize(text[p_start:p_end]):
            spans.append((p_start + s_start, p_start + s_end))
    return spans


def passage_id(doc_id: str, unit: str, text: str, occurrence: int) -> str:
    """Stable id: the same text in the same document (and its n-th repeat) keeps its id on re-import."""
    digest = hashlib.blake2b(f"{doc_id}\x1f{unit}\x1f{occurrence}\x1f{text}".encode(), digest_size=8)
    return "p" + digest.hexdigest()


def split_passages(doc_id: str, text: str, unit: str = "paragraph") -> list[Passage]:
    """Split a document's text into passages of `unit` ('paragraph' or 'sentence')."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; valid: {', '.join(UNITS)}")
    spans = paragraph_spans(text) if unit == "paragraph" else sentence_spans(text)
    seen: dict[str, int] = {}
    out = []
    for seq, (start, end) in enumerate(spans):
        chunk = text[start:end]
        occurrence = seen.get(chunk, 0)
        seen[chunk] = occurrence + 1
        out.append(Passage(
            id=passage_id(doc_id, unit, chunk, occurrence), seq=seq, start=start, end=end, text=chunk,
            unit=unit, is_boilerplate=boilerplate_kind(chunk) is not None,
        ))
    return out


_START_MARKERS = re.compile(r"^(?:top |header |featured |lead )(?:image|photo)", re.I)
_END_KINDS = {"more", "subscribe"}
_TRAILER_KINDS = {"bio", "credit"}


def split_concatenated(text: str) -> list[tuple[int, int]]:
    """Find article boundaries in a file that concatenates several scraped articles.

    A document starts at a lead-image credit line ("Top image credit: ..."), ends after a
    "keep reading" or subscribe line, and ends after a trailing author bio or credit once real
    text follows it. Returns (start, end) character ranges of the documents.
    """
    lines = paragraph_spans(text)
    docs: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    has_content = False
    in_trailer = False
    for start, end in lines:
        line = text[start:end]
        kind = boilerplate_kind(line)
        starts_new = (
            (_START_MARKERS.match(line) and has_content)
            or (kind is None and in_trailer)
        )
        if starts_new and current:
            docs.append(current)
            current, has_content, in_trailer = [], False, False
        current.append((start, end))
        if kind is None:
            has_content = True
        elif has_content and kind in _TRAILER_KINDS:
            in_trailer = True
        if kind in _END_KINDS and has_content:
            docs.append(current)
            current, has_content, in_trailer = [], False, False
    if current:
        if has_content or not docs:
            docs.append(current)
        else:
            docs[-1].extend(current)
    return [(d[0][0], d[-1][1]) for d in docs]
