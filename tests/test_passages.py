from hypothesis import given, settings
from hypothesis import strategies as st

from stance.passages import (
    boilerplate_kind,
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
