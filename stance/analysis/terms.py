"""Distinctive terms between two groups (or two stances): the weighted log-odds ratio with an
informative Dirichlet prior and its z-score (Monroe, Colaresi & Quinn 2008, "Fightin' Words",
Political Analysis 16(4), section 3.5).

For term w with counts y_a, y_b in the two corpora (totals n_a, n_b) and prior pseudo-counts
alpha_w = alpha0 * (y_a + y_b + y_background) / N (the pooled, or a background, corpus scaled to
alpha0 words):

    delta_w = log((y_a + alpha_w) / (n_a + alpha0 - y_a - alpha_w))
            - log((y_b + alpha_w) / (n_b + alpha0 - y_b - alpha_w))
    var(delta_w) ~ 1 / (y_a + alpha_w) + 1 / (y_b + alpha_w)
    z_w = delta_w / sqrt(var)

Positive z: characteristic of group A; |z| > 1.96 is the usual reading threshold. The prior shrinks
rare words toward zero, so a word said twice by one side does not top the list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from .frame import analysable, require, split_values

TOKEN_PATTERN = r"(?u)\b[^\W\d_][\w'-]*[^\W_]\b"  # words of two or more characters, starting with a letter
POSSESSIVE = re.compile(r"['’]s\b|[’]", re.UNICODE)


def _preprocess(text: str) -> str:
    """Lower-case and drop possessive 's (so "Biden's" counts as "biden", never as a stray "s")."""
    return POSSESSIVE.sub(lambda m: "" if m.group(0) != "’" else "'", text.lower())
DEFAULT_ALPHA0 = 500.0


def count_terms(a_texts: Sequence[str], b_texts: Sequence[str], stop_words: str | list[str] | None = "english",
                ngram_range: tuple[int, int] = (1, 1), min_count: int = 1):
    """Term counts in the two sets of texts, with the vocabulary (lower-cased word tokens)."""
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(preprocessor=_preprocess, token_pattern=TOKEN_PATTERN, stop_words=stop_words,
                          ngram_range=ngram_range)
    try:
        X = vec.fit_transform(list(a_texts) + list(b_texts))
    except ValueError:  # empty vocabulary
        return np.array([], dtype=object), np.zeros(0), np.zeros(0)
    ya = np.asarray(X[: len(a_texts)].sum(axis=0)).ravel()
    yb = np.asarray(X[len(a_texts):].sum(axis=0)).ravel()
    vocab = vec.get_feature_names_out()
    keep = (ya + yb) >= min_count
    return vocab[keep], ya[keep].astype(float), yb[keep].astype(float)


def log_odds(ya: np.ndarray, yb: np.ndarray, prior: np.ndarray | None = None,
             alpha0: float = DEFAULT_ALPHA0) -> tuple[np.ndarray, np.ndarray]:
    """(delta, z) per term; `prior` are background counts (default: the pooled counts ya + yb),
    rescaled to `alpha0` pseudo-words in total."""
    ya, yb = np.asarray(ya, dtype=float), np.asarray(yb, dtype=float)
    background = ya + yb if prior is None else np.asarray(prior, dtype=float)
    if background.sum() <= 0:
        return np.zeros_like(ya), np.zeros_like(ya)
    alpha = alpha0 * background / background.sum()
    a0 = alpha.sum()
    na, nb = ya.sum(), yb.sum()
    delta = (np.log((ya + alpha) / (na + a0 - ya - alpha))
             - np.log((yb + alpha) / (nb + a0 - yb - alpha)))
    var = 1.0 / (ya + alpha) + 1.0 / (yb + alpha)
    return delta, delta / np.sqrt(var)


def distinctive_terms(frame: pd.DataFrame, column: str, a: str, b: str, text_col: str = "text",
                      top: int = 15, alpha0: float = DEFAULT_ALPHA0, stop_words: str | list[str] | None = "english",
                      ngram_range: tuple[int, int] = (1, 1), min_count: int = 3,
                      exclude_boilerplate: bool = True) -> pd.DataFrame:
    """The `top` most distinctive terms of A versus B and of B versus A.

    `column` is a group column (outlet, author, ...) or a dimension's label column, so that
    `distinctive_terms(scores, "posture", <value>, <other value>)` compares two stances. Returns
    columns: term, side (a or b), group, delta, low, high (95% interval of delta), z, count_a,
    count_b, passages_a, passages_b; sorted by z within side.
    """
    require(frame, [column, text_col], "the passages")
    frame = analysable(frame, exclude_boilerplate)
    has = frame[column].map(lambda v: split_values(v) if not isinstance(v, (int, float)) else [str(v)])
    in_a = has.map(lambda items: a in items).to_numpy(bool)
    in_b = has.map(lambda items: b in items).to_numpy(bool)
    texts = frame[text_col].fillna("").astype(str).to_numpy()
    cols = ["term", "side", "group", "delta", "low", "high", "z", "count_a", "count_b", "passages_a",
            "passages_b"]
    if a == b:
        raise InputError(f"compare two different groups; got {a!r} twice")
    vocab, ya, yb = count_terms(texts[in_a], texts[in_b], stop_words, ngram_range, min_count)
    if len(vocab) == 0 or ya.sum() == 0 or yb.sum() == 0:
        return pd.DataFrame(columns=cols)
    delta, z = log_odds(ya, yb, alpha0=alpha0)
    se = np.abs(delta / np.where(z == 0, np.nan, z))
    table = pd.DataFrame({"term": vocab, "delta": delta, "low": delta - 1.96 * se, "high": delta + 1.96 * se,
                          "z": z, "count_a": ya.astype(int), "count_b": yb.astype(int),
                          "passages_a": int(in_a.sum()), "passages_b": int(in_b.sum())})
    top_a = table[table["z"] > 0].nlargest(top, "z").assign(side="a", group=a)
    top_b = table[table["z"] < 0].nsmallest(top, "z").assign(side="b", group=b)
    return pd.concat([top_a, top_b], ignore_index=True)[cols]
