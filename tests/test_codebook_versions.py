"""The packaged codebook versions: 1.2 is the default, 1.1 stays loadable, and 1.2 keeps every 1.1 name."""

import pytest

from stance.codebook import default_codebook_path, load_codebook, render_text
from stance.errors import CodebookError


def test_default_is_1_2_and_1_1_stays_loadable_by_version():
    current, old = load_codebook(), load_codebook(default_codebook_path("1.1"))
    assert current.version == "1.2" and old.version == "1.1"
    assert default_codebook_path("1.2") == default_codebook_path()
    assert "none" in current.dimension("topic").value_names
    assert "none" not in old.dimension("topic").value_names


def test_1_2_keeps_every_dimension_and_value_of_1_1():
    current, old = load_codebook(), load_codebook(default_codebook_path("1.1"))
    assert current.dimension_names == old.dimension_names
    for dim in old.dimension_names:
        assert set(old.dimension(dim).value_names) <= set(current.dimension(dim).value_names), dim
        assert [v.key for v in old.dimension(dim).values] == [
            current.dimension(dim).value(v.name).key for v in old.dimension(dim).values], dim


def test_1_2_has_the_rules_for_speeches_and_statements():
    text = render_text(load_codebook())
    for rule in ("P11", "P12", "P13", "P14", "I8", "I9", "R8", "R9", "V6", "V7", "T4", "T5"):
        assert rule in text, rule
    assert "transcript markers" in text and "deterrence" in text


def test_unknown_version_is_a_one_line_error():
    with pytest.raises(CodebookError, match=r"no packaged codebook of version '0\.9'.*1\.1"):
        default_codebook_path("0.9")
