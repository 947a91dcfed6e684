"""Filters on passages: `stance annotate --where "topic != other"` and the app's search box and filters.

A filter is a list of conditions `FIELD OP VALUE`, all of which must hold:

* FIELD is `text` (the passage), a document field (title, author, outlet, date, url, source), a codebook
  dimension (the newest scored model's predicted value), or a metadata key of the project's documents;
  names are checked against these before any query is built, with a suggestion for a typo;
* OP is `=` / `!=` (the same text, ignoring case; for a dimension: the predicted value is / is not it),
  `~` / `!~` (contains / does not contain, ignoring case), or `<`, `<=`, `>`, `>=` (text order, so ISO
  dates compare as dates);
* VALUE is a word, or any text in double or single quotes; conditions are joined with `and`.

The query itself is `stance.store.search` (values are parameters there, never SQL text).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..codebook import Codebook
from ..errors import InputError
from ..store import search as store_search
from ..store.search import DOCUMENT_COLUMNS, PREDICTION_OPERATORS, TEXT_OPERATORS, Condition

MAX_CONDITIONS = 12
MAX_VALUE = 200
MAX_EXPRESSION = 2000
GRAMMAR = 'FIELD OP VALUE [and ...], e.g. author = Obama and topic != other (OP: = != ~ !~ < <= > >=)'

_CONDITION = re.compile(
    r"""\s*(?P<field>"[^"]*"|[\w.-]+)\s*(?P<op>!=|!~|<=|>=|=|~|<|>)\s*"""
    r"""(?P<value>"[^"]*"|'[^']*'|.*?)\s*(?:\band\b|$)""", re.I | re.S)


@dataclass(frozen=True)
class Fields:
    """The names a condition may use in one project: metadata keys and the dimensions with predictions."""

    codebook: Codebook
    meta_keys: tuple[str, ...]
    models: dict[str, int]  # dimension -> newest model with stored predictions

    @classmethod
    def of(cls, project, models: dict[str, int] | None = None) -> Fields:
        from .. import store

        return cls(project.codebook, tuple(store_search.meta_keys(project.conn)),
                   store.prediction_models(project.conn) if models is None else dict(models))

    def names(self) -> list[str]:
        """Every field name a condition may use, in the order the app offers them."""
        dims = [d for d in self.codebook.dimension_names if d in self.models]
        return ["text", *DOCUMENT_COLUMNS, *dims, *(k for k in self.meta_keys if k not in DOCUMENT_COLUMNS)]


def parse_where(expression: str) -> list[tuple[str, str, str]]:
    """`author = Obama and topic != other` -> [(field, op, value), ...]; an `InputError` saying where the
    expression stops making sense."""
    if not isinstance(expression, str) or not expression.strip():
        raise InputError(f"empty filter; write {GRAMMAR}")
    if len(expression) > MAX_EXPRESSION:
        raise InputError(f"filter is {len(expression):,} characters long; at most {MAX_EXPRESSION:,}")
    out, pos = [], 0
    while pos < len(expression):
        match = _CONDITION.match(expression, pos)
        if match is None or not match.group("value") or match.end() == pos:
            rest = expression[pos:].strip()
            raise InputError(f"cannot read the filter at {rest[:40]!r}; write {GRAMMAR}")
        out.append((_unquote(match.group("field")), match.group("op"), _unquote(match.group("value"))))
        pos = match.end()
    if re.search(r"\band\s*$", expression, re.I) and not re.search(r"[\"']\s*$", expression):
        raise InputError(f"the filter ends with 'and'; write {GRAMMAR}")
    return out


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'" else text


def resolve(raw: Iterable[tuple[str, str, str]], fields: Fields) -> list[Condition]:
    """Check each (field, op, value) against the project's fields and the codebook; `InputError` names
    the first problem and what would be valid."""
    conditions = []
    for number, (name, op, value) in enumerate(raw, start=1):
        if number > MAX_CONDITIONS:
            raise InputError(f"more than {MAX_CONDITIONS} conditions in one filter")
        if len(value) > MAX_VALUE:
            raise InputError(f"the value for {name[:40]!r} is {len(value):,} characters long; at most {MAX_VALUE}")
        conditions.append(_condition(name, op, value, fields))
    return conditions


def _condition(name: str, op: str, value: str, fields: Fields) -> Condition:
    key = name.lower()
    if key == "text" or key in DOCUMENT_COLUMNS:
        _check_op(name, op, TEXT_OPERATORS)
        return Condition("text" if key == "text" else "document", key, op, value)
    dimension = next((d for d in fields.codebook.dimensions if d.name == key), None)
    if dimension is not None:
        _check_op(name, op, PREDICTION_OPERATORS)
        if key not in fields.models:
            raise InputError(f"no predictions for {key!r} in this project, so it cannot be filtered on yet; "
                             f"train and score a model first (stance train, then stance score -p PROJECT)")
        valid = [v.name for v in dimension.values]
        if value not in valid:
            raise InputError(f"unknown value {value!r} for {key}{_did_you_mean(value, valid)}; valid: "
                             f"{', '.join(valid)}")
        return Condition("prediction", key, op, value, fields.models[key])
    meta = name if name in fields.meta_keys else next(
        (k for k in fields.meta_keys if k.lower() == key), None)
    if meta is None:
        known = fields.names()
        raise InputError(f"unknown field {name[:40]!r}{_did_you_mean(name, known)}; fields: {', '.join(known)}")
    _check_op(name, op, TEXT_OPERATORS)
    return Condition("meta", meta, op, value)


def _check_op(name: str, op: str, allowed: tuple[str, ...]) -> None:
    if op not in allowed:
        raise InputError(f"operator {op[:10]!r} cannot be used with {name[:40]!r}; use one of {' '.join(allowed)}")


def _did_you_mean(word: str, options: list[str]) -> str:
    lowered = {o.lower(): o for o in options}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


def where_conditions(project, expression: str, models: dict[str, int] | None = None) -> list[Condition]:
    """A `--where` expression checked against `project`: the conditions, or a one-line `InputError`."""
    return resolve(parse_where(expression), Fields.of(project, models))


def matching(project, conditions: list[Condition]) -> list[str]:
    """Ids of the project's passages that meet every condition, in document order."""
    return store_search.matching_passages(project.conn, conditions)
