"""What the sentence-encoder heads share: passages as the encoder reads them, their embeddings per
encoder, and explanations by leaving words out.

An encoder has no per-term weights, so a passage is explained by occlusion: each distinct word is
removed in turn, and its contribution to a value is how much that value's probability falls without
it. That costs one embedding per distinct word of the passage: fine for `stance explain` and a few
`--terms`, slow for `--terms` over a whole corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

TARGET_SEPARATOR = " | "  # "target | text": the encoder reads the stated target first
WORD = re.compile(r"\w[\w'’-]*")
MAX_OCCLUDED_WORDS = 80


class EncodedTexts:
    """Passages as an encoder head reads them, with their embeddings made on demand and kept per encoder
    key (a fine-tuned head has one encoder per dimension). Rows can be selected like a matrix's."""

    def __init__(self, texts: list[str], embed: Callable[[str, list[str]], np.ndarray]):
        self.texts = texts
        self._embed = embed
        self._matrices: dict[str, np.ndarray] = {}

    def matrix(self, key: str) -> np.ndarray:
        if key not in self._matrices:
            self._matrices[key] = self._embed(key, self.texts)
        return self._matrices[key]

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.texts), 0)

    def __len__(self) -> int:
        return len(self.texts)

    def __getitem__(self, rows) -> EncodedTexts:
        index = np.arange(len(self.texts))[rows]
        out = EncodedTexts([self.texts[i] for i in index], self._embed)
        out._matrices = {k: m[index] for k, m in self._matrices.items()}
        return out


def encoder_texts(texts: list[str], targets, targeted: bool) -> list[str]:
    """The texts the encoder reads: with the stated target first when the head was trained with targets."""
    if not targeted:
        return list(texts)
    if targets is None:
        from ...errors import ModelError

        raise ModelError("this model was trained with a target per passage (stance toward a stated "
                         "target): pass targets=... with one target per text")
    return [f"{'' if t is None else t}{TARGET_SEPARATOR}{x}" for t, x in zip(targets, texts, strict=True)]


def occlusion_terms(text: str, values: list[str], n: int, classes: list[str],
                    proba: Callable[[list[str]], np.ndarray]) -> list[dict]:
    """For each value, the `n` words whose removal lowers its probability most (`proba` maps texts to
    probabilities in `classes` order)."""
    words = list(dict.fromkeys(m.group(0) for m in WORD.finditer(text)))[:MAX_OCCLUDED_WORDS]
    if not words or not values:
        return []
    variants = [re.sub(rf"(?<!\w){re.escape(w)}(?!\w)", " ", text) for w in words]
    p = proba([text, *variants])
    out = []
    for value in values:
        j = classes.index(value)
        drop = p[0, j] - p[1:, j]
        out.extend({"value": value, "feature": words[i], "feature_value": 1.0, "weight": float(drop[i]),
                    "contribution": float(drop[i])} for i in np.argsort(-drop)[:n] if drop[i] > 0)
    return out
