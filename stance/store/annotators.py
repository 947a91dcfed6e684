"""Annotators and the hashes of their tokens (the tokens themselves are never stored)."""

from __future__ import annotations

import sqlite3

from .schema import now


def annotator_token_hash(conn: sqlite3.Connection, name: str) -> tuple[bool, str | None]:
    """(whether `name` is registered, the hash of their token or None when they have none)."""
    row = conn.execute("SELECT token_hash FROM annotators WHERE name = ?", (name,)).fetchone()
    return (False, None) if row is None else (True, row["token_hash"])


def set_token_hash(conn: sqlite3.Connection, name: str, token_hash: str) -> None:
    """Register `name` with this token hash, or replace their hash (their old token stops working)."""
    conn.execute("INSERT INTO annotators (name, token_hash, created_at) VALUES (?,?,?)"
                 " ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash", (name, token_hash, now()))


def annotator_by_token_hash(conn: sqlite3.Connection, token_hash: str) -> str | None:
    """The annotator whose token has this hash, or None."""
    row = conn.execute("SELECT name FROM annotators WHERE token_hash = ?", (token_hash,)).fetchone()
    return row["name"] if row else None
