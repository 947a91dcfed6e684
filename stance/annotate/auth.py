"""Annotator tokens: issued once, stored hashed, checked on every request of the web app.

A token is 32 random bytes (URL-safe base64). Only its SHA-256 hash is stored in the
``annotators`` table, so a copied database does not reveal anyone's token. Tokens carry enough
entropy that a plain hash (no salt, no slow KDF) is the right tool, as for API keys.
"""

from __future__ import annotations

import hashlib
import ipaddress
import secrets

from .. import store
from ..checks import check_name
from ..store import Project


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def ensure_annotator(project: Project, name: str, new_token: bool = False) -> str | None:
    """Register `name` if needed; return a fresh token when one was issued, else None.

    A token is issued when the annotator is new, has no token yet (e.g. created by an import),
    or when `new_token` asks to replace a lost one (the old token stops working).
    """
    check_name(name)
    with project.transaction() as tx:
        _registered, stored = store.annotator_token_hash(tx, name)
        if stored and not new_token:
            return None
        token = secrets.token_urlsafe(32)
        store.set_token_hash(tx, name, hash_token(token))
    return token


def annotator_for_token(project: Project, token: str | None) -> str | None:
    """The annotator a token belongs to, or None for a missing or unknown token."""
    if not token or len(token) > 256:
        return None
    return store.annotator_by_token_hash(project.conn, hash_token(token))


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
