"""Checks every label and name passes before it enters the project (web app, import, adjudication).

Values are checked against the codebook by `Codebook.validate_label` (types, names); this module
adds what is not the codebook's business: JSON that is too deeply nested to parse safely, and
annotator names that become authors of labels (no markup, no newlines, short). The store calls
these checks before it writes, so every entry point gets the same refusal and nothing is written.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .errors import InputError

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_DEPTH = 20  # no label file or request needs more; the parsers recurse, so a deep body must not reach them


def check_name(name: Any, where: str = "") -> str:
    """An annotator name: 1-64 letters, digits, '_', '.', '@' or '-', starting with a letter or digit."""
    if not isinstance(name, str) or not NAME_RE.match(name):
        shown = repr(name)[:70] + ("..." if len(repr(name)) > 70 else "")
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}invalid annotator name {shown}: use 1-64 letters, digits, '_', '.', '@' or '-',"
                         " starting with a letter or digit")
    return name


def loads(text: str | bytes, where: str, max_depth: int = MAX_DEPTH) -> Any:
    """Parse JSON, refusing malformed text and nesting deeper than `max_depth` with an `InputError`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        line = f"line {exc.lineno}: " if exc.lineno > 1 else ""
        raise InputError(f"{where}: {line}not valid JSON ({exc.msg} at column {exc.colno})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    except RecursionError:
        raise InputError(f"{where}: JSON nested more than {max_depth} levels deep") from None
    check_depth(data, where, max_depth)
    return data


def check_depth(data: Any, where: str, max_depth: int = MAX_DEPTH) -> None:
    """Refuse a parsed JSON value nested deeper than `max_depth` (walked without recursion), or holding
    text that is not valid Unicode (a lone surrogate such as "\\ud800", which JSON allows as an escape
    but SQLite and UTF-8 files cannot store)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            check_text(value, where)
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise InputError(f"{where}: JSON nested more than {max_depth} levels deep")
        stack.extend((child, depth + 1) for child in children)


def check_text(text: str, where: str) -> str:
    """`text`, or an `InputError` when it holds a lone surrogate (not valid Unicode, cannot be stored)."""
    found = _SURROGATE.search(text)
    if found:
        at = found.start()
        raise InputError(f"{where}: text holds an unpaired surrogate ({text[at]!r} at character {at + 1}), "
                         "which is not valid Unicode")
    return text
