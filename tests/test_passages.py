import csv
import json
import os
import re
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stance.passages import (
    boilerplate_kind,
    is_hard_wrapped,
    paragraph_spans,
    sentence_spans,
    split_concatenated,
    split_passages,
)


def test_paragraphs_by_blank_lines_or_by_lines():
    assert [s for s in paragraph_spans("a b\nc d\n\n e f \n\n\n")] == [(0, 7), (10, 13)]
    assert paragraph_spans("one\ntwo\n\nthree") == [(0, 7), (9, 14)]
    assert paragraph_spans("one\n two \nthree") == [(0, 3), (5, 8), (10, 15)]
    assert paragraph_spans("   \n\n  ") == []


def test_sentences_keep_abbreviations_together():
    text = "The U.S. Army left. Gen. Smith said so on Jan. 5.\n\nA new paragraph."
    sentences = [text[s:e] for s, e in sentence_spans(text)]
    assert sentences == ["The U.S. Army left.", "Gen. Smith said so on Jan. 5.", "A new paragraph."]


def test_passage_ids_are_stable_and_distinguish_repeats():
    text = "Same line.\nOther line.\nSame line."
    first, second = split_passages("d1", text), split_passages("d1", text)
    assert [p.id for p in first] == [p.id for p in second]
    assert first[0].text == first[2].text and first[0].id != first[2].id
    assert split_passages("d2", text)[0].id != first[0].id


def test_boilerplate_kinds_on_real_seed_lines(seed_file):
    lines = seed_file.read_text(encoding="utf-8").split("\n")
    flagged = {i + 1: boilerplate_kind(line) for i, line in enumerate(lines) if boilerplate_kind(line)}
    assert flagged == {7: "bio", 8: "credit", 22: "heading", 33: "more", 34: "credit", 44: "more",
                       45: "credit", 54: "subscribe"}


def test_transcript_markers_are_boilerplate_but_speech_is_not():
    for marker in ["(Applause.)", "[Laughter]", "(APPLAUSE)", "[Crosstalk.]", "(End of transcript.)"]:
        assert boilerplate_kind(marker) == "transcript", marker
    for speech in ["(Applause.) And we will bring our troops home.", "Applause is not a strategy.",
                   "(We will not send troops.)"]:
        assert boilerplate_kind(speech) is None, speech


def test_seed_file_splits_into_its_four_articles(seed_file):
    text = seed_file.read_text(encoding="utf-8")
    docs = [text[s:e] for s, e in split_concatenated(text)]
    assert len(docs) == 4
    assert docs[0].startswith("The United States has conducted") and docs[0].endswith("Marine Corps)")
    assert docs[1].startswith("As the Ukraine War") and docs[1].endswith("keep readingShow less")
    assert docs[2].startswith("Top image credit: FILE PHOTO")
    assert docs[3].startswith("Top image credit: A sapper") and docs[3].rstrip().endswith("foreign policy.")


texts = st.lists(st.sampled_from(["a", "b", " ", ".", "!", "?", "\n", "\t", "U.S.", "\n\n", "é", "’", "Gen."]),
                 max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts, st.sampled_from(["paragraph", "sentence"]))
def test_offsets_map_back_to_the_document(text, unit):
    passages = split_passages("doc", text, unit)
    previous_end = 0
    for p in passages:
        assert text[p.start:p.end] == p.text
        assert p.text.strip() == p.text and p.text
        assert p.start >= previous_end
        previous_end = p.end
    # nothing but whitespace is lost between passages
    covered = "".join(p.text for p in passages)
    assert "".join(covered.split()) == "".join(text.split())


# -- paragraphs of real statements and speeches (../shared/corpora) ------------------------------------

CORPORA = Path(os.environ.get("STANCE_SHARED", Path(__file__).resolve().parents[1].parent / "shared")) / "corpora"
SENTENCE_END = re.compile(r"[.!?:][\"'”’)\]]*$")


@pytest.fixture(scope="module")
def un_statements() -> dict[str, str]:
    path = CORPORA / "un-general-debate" / "speeches.jsonl"
    if not path.exists():
        pytest.skip(f"UN General Debate corpus not found at {path} (set STANCE_SHARED)")
    wanted = {"ARG_50_1995", "BRA_48_1993", "ISR_68_2013", "ISR_70_2015", "JPN_71_2016"}
    rows = (json.loads(line) for line in path.open(encoding="utf-8"))
    # as `stance ingest` reads them: newlines normalised, nothing else changed
    return {r["id"]: r["text"].replace("\r", "\n") for r in rows if r["id"] in wanted}


def paragraphs(text: str) -> list[str]:
    return [p.text for p in split_passages("doc", text)]


def test_hard_wrapped_statement_gets_its_paragraphs_back(un_statements):
    text = un_statements["ARG_50_1995"]  # PDF text: 58-character lines, page numbers, blank lines at page breaks
    assert is_hard_wrapped(text)
    paras = paragraphs(text)
    assert 28 <= len(paras) <= 45  # was 4 page-sized passages; a reader finds about 30
    assert max(len(p.split()) for p in paras) < 250
    assert paras[2] == ("At this historic moment, my country has chosen\nactively to involve itself in the resolution "
                        "of serious\ninternational crises through the concerted action of the\nUnited Nations.")
    assert paras[1].startswith("As President Menem said") and paras[1].endswith("the letter of the Charter.")
    assert not any(re.fullmatch(r"\d+", p) for p in paras)  # page numbers between paragraphs are left out
    ends = sum(1 for p in paras if SENTENCE_END.search(p))
    assert ends >= 0.9 * len(paras)


def test_hard_wrapped_statement_without_blank_lines(un_statements):
    text = un_statements["BRA_48_1993"]  # every line its own passage before
    assert is_hard_wrapped(text)
    paras = paragraphs(text)
    assert 25 <= len(paras) <= 80 < len(text.split("\n"))
    assert paras[0].startswith("It is with great pleasure") and paras[0].endswith("among nations.")
    assert paras[1] == ("I would also like to express to Mr. Stoyan Ganev,\nrespected jurist from the Republic of "
                        "Bulgaria and President\nof the General Assembly at its forty-seventh session, our\n"
                        "recognition for the work he accomplished.")


def test_hard_wrapped_statement_keeps_blank_line_paragraphs(un_statements):
    text = un_statements["ISR_68_2013"]  # blank lines here are the paragraph breaks
    paras = paragraphs(text)
    assert paras[0].endswith("Hope \ncharts the future, vigilance protects it.")
    assert paras[1].startswith("Today our hope for the future is challenged")
    blank_separated = [c for c in re.split(r"\n[ \t]*\n", text) if c.strip()]
    assert len(paras) >= len(blank_separated)


def test_one_paragraph_a_line_with_page_breaks(un_statements):
    text = un_statements["ISR_70_2015"]  # soft-wrapped, with page numbers and form feeds between pages
    assert not is_hard_wrapped(text)
    paras = paragraphs(text)
    assert 35 <= len(paras) <= 60 and max(len(p.split()) for p in paras) < 300  # was 5 page-sized passages
    assert not any("A/70/PV.22" == p or p.startswith("01/10/2015") for p in paras)
    cut = next(p for p in paras if "Does anyone seriously\nbelieve" in p)
    assert cut.endswith("?") or SENTENCE_END.search(cut)


def test_soft_wrapped_statement_is_one_paragraph_a_line(un_statements):
    text = un_statements["JPN_71_2016"]
    assert not is_hard_wrapped(text)
    assert paragraphs(text) == [line.strip() for line in text.split("\n") if line.strip()]


def test_presidential_speech_paragraphs_follow_its_lines():
    path = CORPORA / "us-presidential-speeches-2017-2024" / "Biden_speeches.csv"
    if not path.exists():
        pytest.skip(f"US speeches not found at {path} (set STANCE_SHARED)")
    csv.field_size_limit(sys.maxsize)
    for row in csv.DictReader(path.open(encoding="utf-8", newline="")):
        text = row["Transcript"].replace("\r\n", "\n").replace("\r", "\n")
        assert not is_hard_wrapped(text), row["Title"]
        paras = paragraphs(text)
        chunks = [c.strip() for c in re.split(r"\n[ \t]*\n", text) if c.strip()]
        # a passage crosses a blank line only where a sentence was cut ("progress\n\nin battling")
        for p in paras:
            assert all(part.strip()[:1].islower() for part in re.split(r"\n[ \t]*\n", p)[1:]), p
        joined = {c for c in chunks if "\n" not in c} - set(paras)
        assert len(joined) <= 2, (row["Title"], joined)
    # speaker turns that the transcript put on separate lines of one block are separate passages
    jan5 = next(r for r in csv.DictReader(path.open(encoding="utf-8", newline=""))
                if r["Title"].startswith("January 5, 2024"))
    assert paragraphs(jan5["Transcript"])[1].startswith("AUDIENCE MEMBER: Four more years!")


def test_speech_paragraphs_are_not_bios_and_real_bios_still_are(seed_file):
    """Four substantive paragraphs of the US speeches were flagged as author bios (and so hidden from queues
    and reports): a role word ("President", "Editor") after the first sentence no longer makes a bio."""
    path = CORPORA / "us-presidential-speeches-2017-2024" / "Trump_speeches.csv"
    if not path.exists():
        pytest.skip(f"US speeches not found at {path} (set STANCE_SHARED)")
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as fh:
        speeches = [row["Transcript"] for row in csv.DictReader(fh)]
    openings = ("The Marshall Plan was built on the noble idea", "The United States is a compassionate nation.",
                "The Constitution is the ultimate defense of American liberty.",
                "Judge Barrett is a graduate of Rhodes College")
    found = {p.text[:60]: p for text in speeches for p in split_passages("doc", text)
             if p.text.startswith(openings)}
    assert len(found) == 4
    for passage in found.values():
        assert boilerplate_kind(passage.text) is None and not passage.is_boilerplate, passage.text
    assert "As President Truman said" in next(t for k, t in ((k, p.text) for k, p in found.items())
                                              if k.startswith("The Marshall Plan"))
    flagged = [p.text for text in speeches for p in split_passages("doc", text) if boilerplate_kind(p.text) == "bio"]
    assert flagged == []
    # the seed's real author bio, and bios whose role follows an abbreviation, are still caught
    bio = seed_file.read_text(encoding="utf-8").split("\n")[6]
    assert bio.startswith("Adam Weinstein is Deputy Director") and boilerplate_kind(bio) == "bio"
    assert boilerplate_kind("Jane Doe is the former U.S. ambassador to Ukraine and a senior fellow at the "
                            "Atlantic Council.") == "bio"
