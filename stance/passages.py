"""Split a document into passages with exact character offsets, stable ids and boilerplate flags.

A passage is a paragraph by default, a sentence or the whole document (one passage per table row) on
request. ``passage.text`` is always
``document.text[passage.start:passage.end]``, so every label can be traced back to the source.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

UNITS = ("paragraph", "sentence", "document")

_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")

# One character that does not end a sentence: anything but . ! ?, or one of them not followed by a space and a
# capital (a sentence start), or the full stop of an initial or title ("U.S.", "D.C.", "Dr.", "Mrs.").
_IN_SENTENCE = (r"[^.!?]|[.!?](?![\"”’)]*\s+[\"“‘]?[A-Z])|(?<=\b[A-Z])\.|(?<=\b(?:Dr|Mr|Ms|Jr|Sr|St))\."
                r"|(?<=\bMrs)\.")

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
                              r"|music|silence|pause|end of (?:transcript|remarks)|spoke in)\b[^\])]{0,40}[\])]\.?$",
                              re.I), 8),
    ("copyright", re.compile(r"^(?:©|\(c\)\s|copyright\b)|all rights reserved", re.I), 40),
    # An author bio says who a person is in its first sentence ("Jane Doe is a senior fellow at ..."):
    # the role word must come before that sentence ends, and a name never starts with an article or a
    # pronoun. Without both, speeches were flagged: "The Marshall Plan was built on ... As President
    # Truman said", "Judge Barrett is a graduate of ... At Notre Dame, she ... served as the Executive Editor".
    ("bio", re.compile(r"^(?!(?:The|This|That|These|Those|Our|Their|His|Her|Its|My|As|But|And)\b)"
                       r"(?P<name>[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){1,3}),? (?:is|was|serves as) (?:an? |the )?"
                       r"(?:" + _IN_SENTENCE + r"){0,160}?\b(?i:fellow|director|professor|editor|correspondent|reporter"
                       r"|analyst|author|writer|president|researcher|contributor|columnist|scholar|officer|chair"
                       r"|founder|journalist|lecturer|associate)\b"), 80),
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


_SPEAKER = re.compile(r"^[A-Z][A-Z .'’-]{1,40}:\s*")  # "THE PRESIDENT: ", "PRESIDENT TRUMP: "
_MARKER = re.compile(r"[\[(][^\])]{0,40}[\])]")  # "(Applause.)", "(Laughter.)", "[inaudible]"
_PLEASANTRY = re.compile(r"\b(?:thank you|thanks(?! to\b)|hello|welcome|good (?:morning|afternoon|evening)|please"
                         r"|wow|be seated|appreciate it|good to be|great to be|god bless)\b", re.I)


def is_pleasantry(text: str) -> bool:
    """Whether a passage is only thanks and greetings ("THE PRESIDENT: Thank you. (Applause.) Thank you."):
    after a speaker tag and bracketed transcript markers, each sentence is a thanks or greeting of at
    most 16 words or a few words ("Wow."), and one at least is a thanks or greeting. Such passages open
    most transcripts; the annotation queue puts them after the others (they are not boilerplate: the
    codebook labels them, topic none)."""
    body = _MARKER.sub(" ", _SPEAKER.sub("", text.strip()))
    sentences = [s for s in re.split(r"[.!?]+", body) if s.strip(" ,;:—-–")]
    polite = [len(s.split()) <= 16 and bool(_PLEASANTRY.search(s)) for s in sentences]
    return any(polite) and all(p or len(s.split()) <= 3 for p, s in zip(polite, sentences, strict=True))


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph, whitespace trimmed.

    Hard-wrapped text (lines cut at a fixed width, as in text taken from PDFs) has its paragraphs
    rebuilt from the line breaks (`hard_wrapped_paragraph_spans`). Text whose lines are whole
    paragraphs (a median line of 100 characters or more) gives one paragraph a line, whether or
    not blank lines come between them, and joins a line cut off by a stray line or page break to
    its continuation. Otherwise blank lines separate paragraphs when the text has any, and else
    every non-empty line is a paragraph.
    """
    lines = _content_lines(text)
    if _is_hard_wrapped(lines):
        return hard_wrapped_paragraph_spans(text, lines)
    if _lines_are_paragraphs(lines):
        return _paragraph_line_spans(text, lines)
    if not _BLANK_LINE.search(text):
        return [(start, end) for start, end, line in _lines(text) if line]
    bounds, pos = [], 0
    for match in _BLANK_LINE.finditer(text):
        bounds.append((pos, match.start()))
        pos = match.end()
    bounds.append((pos, len(text)))
    spans = []
    for start, end in bounds:
        chunk = text[start:end]
        stripped = chunk.strip()
        if not stripped:
            continue
        lead = len(chunk) - len(chunk.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))
    return spans


# -- hard-wrapped text -------------------------------------------------------------------------------
# PDF-extracted text (UN verbatim records, reports) breaks lines at the column width, so a line break
# says nothing about paragraphs and blank lines are often page breaks. A paragraph ends where a line
# ends a sentence although the next line's first word would still have fitted on it.

# Page furniture between the lines of a PDF page: page numbers, UN job numbers ("95-86174 23",
# "4/29 17-29395"), document symbols with a date ("A/70/PV.18 29/09/2015").
_PAGE_LINE = re.compile(
    r"^(?:\d{1,4}(?:/\d{1,4})?"
    r"|(?:\d{1,4}(?:/\d{1,4})?\s+)?\d{2}-\d{5}(?:\s*\(E\))?(?:\s+\d{1,4}(?:/\d{1,4})?)?"
    r"|(?:\d{1,2}/\d{1,2}/\d{4}\s+)?A/\d+/PV\.\d+(?:\s+\d{1,2}/\d{1,2}/\d{4})?)$"
)
_SENTENCE_END = re.compile(r"(?<!\bMr)(?<!\bMrs)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bNo)(?<!\bMessrs)[.!?:][\"'”’)\]]*$")
_END_CHARS = set(".!?:\"'”’)]")
_TAIL = 12  # the end of a line the two patterns above need: searching whole lines is 20 times slower


def _ends_sentence(line: str) -> bool:
    return line[-1:] in _END_CHARS and _SENTENCE_END.search(line[-_TAIL:]) is not None


_FULL_STOP = re.compile(r"[.!?][\"'”’)\]]*$")
_PARAGRAPH_START = re.compile(r"^[\"'“‘(\[•\-–—]*[A-Z0-9À-Ý]")
_WHOLE_LINE_MARKER = re.compile(r"^[(\[][^()\[\]]{1,60}[)\]]$")  # "(spoke in French)"
_MIN_WRAPPED_LINES = 12
_MAX_WRAP_WIDTH = 100


def _lines(text: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of every line with its surrounding whitespace trimmed, blank ones included."""
    out, pos = [], 0
    for line in text.split("\n"):
        lead = len(line) - len(line.lstrip())
        stripped = line.strip()
        out.append((pos + lead, pos + lead + len(stripped), stripped))
        pos += len(line) + 1
    return out


def _content_lines(text: str) -> list[tuple[int, int, str]]:
    """The non-blank lines that are not page furniture (page lines start with a digit or 'A/')."""
    return [line for line in _lines(text)
            if line[2] and not (line[2][:1] in "0123456789A" and _PAGE_LINE.match(line[2]))]


def _wrap_width(lengths: list[int]) -> int:
    """The column width: the 90th percentile of line lengths (a few lines run long in proportional type)."""
    ordered = sorted(lengths)
    return ordered[int(0.9 * (len(ordered) - 1))]


def is_hard_wrapped(text: str) -> bool:
    """True when most lines end mid-sentence at a column width of at most 100 characters."""
    return _is_hard_wrapped(_content_lines(text))


def _is_hard_wrapped(lines: list[tuple[int, int, str]]) -> bool:
    if len(lines) < _MIN_WRAPPED_LINES:
        return False
    ends = sum(1 for _, _, line in lines if _ends_sentence(line))
    return ends / len(lines) < 0.5 and _wrap_width([len(line) for _, _, line in lines]) <= _MAX_WRAP_WIDTH


def hard_wrapped_paragraph_spans(text: str, lines: list[tuple[int, int, str]] | None = None,
                                 ) -> list[tuple[int, int]]:
    """Paragraphs of hard-wrapped text, rebuilt from its lines.

    A line that ends a sentence starts a new paragraph after it when the next line's first word
    would have fitted on it (the writer broke the line, not the column), when the next line
    follows a blank line in a text whose blank lines all end sentences (paragraph breaks, not
    page breaks), or when either line is a whole-line marker such as "(spoke in French)". Page
    numbers and job numbers between paragraphs belong to no paragraph.
    """
    lines = _content_lines(text) if lines is None else lines
    if not lines:
        return []
    width = _wrap_width([len(line) for _, _, line in lines])
    blank_breaks = _blank_lines_are_paragraph_breaks(text, lines)
    spans, start = [], lines[0][0]
    for (_, a_end, a), (b_start, _, b) in pairwise(lines):
        if _is_paragraph_break(text, a, a_end, b, b_start, width, blank_breaks):
            spans.append((start, a_end))
            start = b_start
    spans.append((start, lines[-1][1]))
    return spans


def _lines_are_paragraphs(lines: list[tuple[int, int, str]]) -> bool:
    """True when the lines of text are paragraph-long (median 100 characters or more): blank lines
    between them, if any, are page breaks or spacing, and splitting at them alone would give
    page-sized passages in PDF text with one paragraph a line."""
    lengths = sorted(len(line) for _, _, line in lines)
    return len(lengths) >= 2 and lengths[len(lengths) // 2] >= 100


def _paragraph_line_spans(text: str, lines: list[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """One paragraph a line, page numbers left out. A line is joined to the next line of text when
    that starts in lower case and the line does not end with a full stop, or when a page break (a
    form feed or page numbers) comes between them and the line ends in a word or a comma: the
    paragraph was cut, not ended."""
    spans, start = [], lines[0][0]
    for (_, a_end, a), (b_start, _, b) in pairwise(lines):
        gap = text[a_end:b_start]
        page_break = "\f" in gap or bool(gap.strip())  # a form feed, or page numbers between the lines
        cut_off = ((b[:1].islower() and not _FULL_STOP.search(a[-_TAIL:]))
                   or (page_break and (a[-1:].isalnum() or a[-1:] in ",-–—")))
        if not cut_off:
            spans.append((start, a_end))
            start = b_start
    spans.append((start, lines[-1][1]))
    return spans


def _is_paragraph_break(text: str, a: str, a_end: int, b: str, b_start: int, width: int,
                        blank_breaks: bool) -> bool:
    if (a[:1] in "([" and _WHOLE_LINE_MARKER.match(a)) or (b[:1] in "([" and _WHOLE_LINE_MARKER.match(b)):
        return True
    if not (_ends_sentence(a) and _PARAGRAPH_START.match(b)):
        return False
    # On 42 statements of 2013-2014 whose blank lines mark paragraphs, this test alone finds 88% of
    # the paragraph breaks, and 84% of the breaks it finds are real (tried: other widths and slacks).
    if len(a) + 1 + len(b.split()[0]) <= width:
        return True
    return blank_breaks and _is_single_blank_line(text[a_end:b_start])


def _is_single_blank_line(gap: str) -> bool:
    return gap.count("\n") == 2 and not gap.strip()


def _blank_lines_are_paragraph_breaks(text: str, lines: list[tuple[int, int, str]]) -> bool:
    """True when at least 75% of the single blank lines between lines of text follow a sentence end:
    they separate paragraphs. (Page breaks show up as several blank lines or a page number, and
    fall mid-sentence far more often.)"""
    gaps = [a for (_, a_end, a), (b_start, _, _) in pairwise(lines)
            if _is_single_blank_line(text[a_end:b_start])]
    return bool(gaps) and sum(1 for a in gaps if _ends_sentence(a)) >= 0.75 * len(gaps)


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


def document_span(text: str) -> list[tuple[int, int]]:
    """The whole text, whitespace trimmed, as one span (none for blank text): the "document" unit, for
    tables whose rows are already passages (a line break inside a quoted cell splits nothing)."""
    stripped = text.strip()
    if not stripped:
        return []
    start = len(text) - len(text.lstrip())
    return [(start, start + len(stripped))]


_SPANS = {"paragraph": paragraph_spans, "sentence": sentence_spans, "document": document_span}


def split_passages(doc_id: str, text: str, unit: str = "paragraph") -> list[Passage]:
    """Split a document's text into passages of `unit` ('paragraph', 'sentence' or 'document')."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}; valid: {', '.join(UNITS)}")
    spans = _SPANS[unit](text)
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
