from pathlib import Path

import pytest
import yaml

from stance.codebook import default_codebook_path, load_codebook, parse_codebook, render_html, render_text
from stance.errors import CodebookError, LabelError


def default_yaml() -> dict:
    return yaml.safe_load(default_codebook_path().read_text(encoding="utf-8"))


def test_default_codebook_has_the_design_schema():
    cb = load_codebook()
    assert cb.dimension_names == ["posture", "intervention", "role", "voice", "topic"]
    assert cb.dimension("posture").value_names == ["restraint", "escalation", "neutral", "not_applicable"]
    assert cb.dimension("topic").multi and not cb.dimension("role").multi
    for dim in cb.dimensions:
        for value in dim.values:
            assert value.definition and len(value.examples) >= 2, f"{dim.name}.{value.name}"
    keys = [v.key for d in cb.dimensions for v in d.values]
    assert len(keys) == len(set(keys)), "keys must be unique across the codebook"


def test_validate_label_names_the_valid_values():
    cb = load_codebook()
    with pytest.raises(LabelError, match="unknown value 'hawk' for dimension 'posture'; valid: restraint, "
                                         "escalation, neutral, not_applicable"):
        cb.validate_label("posture", "hawk")
    with pytest.raises(LabelError, match="unknown dimension 'mood'"):
        cb.validate_label("mood", "x")
    assert cb.validate_label("topic", "iran;russia-ukraine") == ["iran", "russia-ukraine"]
    with pytest.raises(LabelError, match="takes one value"):
        cb.validate_label("posture", ["restraint", "escalation"])


def test_duplicate_key_and_missing_definition_are_all_reported():
    data = default_yaml()
    data["dimensions"][1]["values"][0]["key"] = "r"  # intervention.pro takes posture.restraint's key
    data["dimensions"][2]["values"][0]["definition"] = ""
    data["dimensions"][3]["values"].append({"name": "author", "key": "9", "definition": "again"})
    data["dimensions"][4]["values"].append({"name": "us:china", "key": "8", "definition": "Taiwan"})
    with pytest.raises(CodebookError) as info:
        parse_codebook(yaml.safe_dump(data))
    problems = info.value.problems
    assert "duplicate key 'r': used by posture.restraint and intervention.pro" in problems
    assert "role.claim: missing definition" in problems
    assert "duplicate value voice.author" in problems
    assert "topic.us:china: value names may not contain ';', ':' or ',' (used as separators)" in problems
    assert len(problems) == 4


def test_duplicate_yaml_mapping_key_is_refused_with_its_line():
    text = "version: '1'\nversion: '2'\ndimensions: []\n"
    with pytest.raises(CodebookError, match=r"line 2: .*duplicate key 'version'"):
        parse_codebook(text)


def test_unreadable_codebooks(tmp_path: Path):
    with pytest.raises(CodebookError, match="file not found"):
        load_codebook(tmp_path / "missing.yaml")
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes("version: '1'\nname: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CodebookError, match="not UTF-8"):
        load_codebook(bad)
    with pytest.raises(CodebookError, match="mapping"):
        parse_codebook("- just\n- a list\n")
    with pytest.raises(CodebookError, match="invalid YAML"):
        parse_codebook("version: [unclosed\n")


def test_renderings_show_every_value_and_escape_markup():
    data = default_yaml()
    data["dimensions"][0]["values"][0]["examples"].append("<script>alert(1)</script>")
    cb = parse_codebook(yaml.safe_dump(data))
    text = render_text(cb)
    page = render_html(cb)
    for dim in cb.dimensions:
        for value in dim.values:
            assert f"[{value.key}] {value.name}" in text
            assert value.name in page
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_the_index_and_the_composition_are_defined_in_the_codebook():
    cb = load_codebook()
    assert (cb.index.name, cb.index.dimension, cb.index.positive, cb.index.negative) == (
        "restraint_index", "posture", "restraint", "escalation")
    assert dict(cb.index.exclude) == {"role": ("background", "other")}
    assert cb.index.label == "restraint index"
    assert (cb.composition.dimension, cb.composition.split) == ("role", "voice")
    assert parse_codebook(yaml.safe_dump(cb.to_dict())) == cb  # to_dict keeps the analysis section


def test_analysis_section_is_checked_with_every_problem_listed():
    data = default_yaml()
    data["analysis"] = {"index": {"name": "hawk index", "dimension": "posture", "positive": "hawk",
                                  "negative": "restraint", "exclude": {"mood": ["sad"]}},
                        "composition": {"dimension": "topic", "split": "topic"}, "colour": "red"}
    with pytest.raises(CodebookError) as info:
        parse_codebook(yaml.safe_dump(data))
    problems = info.value.problems
    assert "analysis: unknown key(s) 'colour'; valid: index, composition" in problems
    assert any("'name' must be a column name without spaces" in p for p in problems)
    assert ("analysis.index.positive: 'hawk' is not a value of 'posture'; valid: restraint, escalation, "
            "neutral, not_applicable") in problems
    assert any(p.startswith("analysis.index.exclude: no dimension 'mood'") for p in problems)
    assert "analysis.composition: 'split' must be another dimension than 'dimension'" in problems
    assert len(problems) == 5
    data["analysis"] = {"index": {"name": "t", "dimension": "topic", "positive": "iran", "negative": "other"}}
    with pytest.raises(CodebookError, match="takes several values"):
        parse_codebook(yaml.safe_dump(data))


def test_a_codebook_without_analysis_section_has_no_index():
    data = default_yaml()
    del data["analysis"]
    data["name"] = "my study"  # a copy of the default itself keeps the default's (test below)
    cb = parse_codebook(yaml.safe_dump(data))
    assert cb.index is None and cb.composition is None


def test_a_copy_of_the_default_codebook_without_an_analysis_section_keeps_the_restraint_index(tmp_path):
    """Projects made before codebooks had an `analysis` section (and the packaged 1.1) keep their index."""
    from stance.codebook import default_codebook_path, load_codebook

    old = load_codebook(default_codebook_path("1.1"))
    assert old.index is not None and old.index.name == "restraint_index"
    text = default_codebook_path().read_text(encoding="utf-8").split("\nanalysis:")[0]
    copy = tmp_path / "codebook.yaml"
    copy.write_text(text, encoding="utf-8")
    assert load_codebook(copy).index.positive == "restraint"
    custom = tmp_path / "custom.yaml"
    custom.write_text(text.replace("name: policy-stance default", "name: my study"), encoding="utf-8")
    assert load_codebook(custom).index is None
