"""An exact, faster TF-IDF transform for word and char_wb n-grams.

`CachedTfidfVectorizer` is scikit-learn's `TfidfVectorizer` (same parameters, same `fit`, same
fitted vocabulary and idf) whose `transform` counts n-grams without building every n-gram string
of every passage, the step where scoring spent most of its time (`_count_vocab`, `_char_wb_ngrams`):

- char_wb n-grams are made word by word (each word padded with a space on both sides), so the
  vocabulary ids of a distinct word's n-grams are computed once, with scikit-learn's own
  `_char_wb_ngrams`, kept in a bounded cache, and reused for every later occurrence;
- word n-grams are looked up as integer keys: each token becomes an id once (one dict lookup), and
  a bigram is the pair of its token ids, matched against the vocabulary's pairs with numpy.

Counts are then summed per passage by scipy, and scikit-learn's own `TfidfTransformer` turns them
into TF-IDF. The count matrix is the same as scikit-learn's (same rows, columns and integer counts,
indices sorted), so the TF-IDF matrix is identical to the last bit (tests/test_fast_tfidf.py checks
this over arbitrary Unicode text). Settings outside the fast path (another analyzer, a custom
tokenizer or token pattern for n > 1, stop words with char analyzers, ...) use scikit-learn's
`transform` unchanged. Hand-written because scikit-learn has no cached or vectorised counter.
"""

from __future__ import annotations

from itertools import repeat

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

DEFAULT_TOKEN_PATTERN = r"(?u)\b\w\w+\b"
CACHE_WORDS = 300_000  # distinct words whose char_wb n-gram ids are kept (about 100 MB at most)


class CachedTfidfVectorizer(TfidfVectorizer):
    """`TfidfVectorizer` with an exact, faster `transform` (see the module docstring).

    Caches live only in memory: they are rebuilt after loading and never saved with the model.
    """

    def transform(self, raw_documents):
        """Tf-idf-weighted document-term matrix, identical to `TfidfVectorizer.transform`'s."""
        if not self._fast_path():
            return super().transform(raw_documents)
        check_is_fitted(self, msg="The TF-IDF vectorizer is not fitted")
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        self._check_vocabulary()
        if self.analyzer == "char_wb":
            counts = self._char_wb_counts(raw_documents)
        else:
            table = self._token_table()
            if table is None:  # n-gram keys would overflow int64 (a huge vocabulary with a large n)
                return super().transform(raw_documents)
            counts = self._word_counts(raw_documents, table)
        if self.binary:
            counts.data.fill(1)
        return self._tfidf.transform(counts, copy=False)

    def _fast_path(self) -> bool:
        if self.analyzer == "char_wb":
            return True
        if self.analyzer != "word":
            return False
        if self.ngram_range[1] == 1:
            return True
        # n-grams of several tokens are matched by splitting vocabulary terms on spaces: exact only
        # when tokens cannot contain a space, as with the default token pattern
        return self.tokenizer is None and self.token_pattern == DEFAULT_TOKEN_PATTERN

    def __getstate__(self):
        """State without the caches, and the vocabulary as one string and an array of term lengths:
        skops writes a dict entry by entry (a node per term, about 0.1 ms each to load), and a
        numpy string array would drop trailing NUL characters, so neither keeps loading fast and exact."""
        state = dict(super().__getstate__())  # a copy: object.__getstate__ gives the live __dict__
        for key in [k for k in state if k.startswith("_cache")]:
            del state[key]
        vocabulary = state.pop("vocabulary_", None)
        if vocabulary is not None:
            terms = sorted(vocabulary, key=vocabulary.__getitem__)
            if [vocabulary[t] for t in terms] != list(range(len(terms))):
                state["vocabulary_"] = vocabulary  # not 0..n-1 (never from fit): kept as it is
            else:
                state["vocabulary_text_"] = "".join(terms)
                state["vocabulary_lengths_"] = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        return state

    def __setstate__(self, state):
        text = state.pop("vocabulary_text_", None)
        lengths = state.pop("vocabulary_lengths_", None)
        if text is not None and lengths is not None:
            ends = np.cumsum(lengths).tolist()
            starts = [0, *ends[:-1]]
            state["vocabulary_"] = {text[a:b]: i for i, (a, b) in enumerate(zip(starts, ends, strict=True))}
        super().__setstate__(state)

    # -- char_wb ---------------------------------------------------------------------------------
    def _char_wb_counts(self, docs) -> sp.csr_matrix:
        preprocess, decode = self.build_preprocessor(), self.decode
        local: dict[str, int] = {}  # distinct words of this batch -> their index in it
        setdefault = local.setdefault
        occurrences: list[int] = []
        lengths: list[int] = []
        for doc in docs:
            # scikit-learn squeezes runs of white space first; str.split() gives the same words
            words = preprocess(decode(doc)).split()
            occurrences.extend([setdefault(w, len(local)) for w in words])
            lengths.append(len(words))
        n_docs = len(lengths)
        ids = self._word_ngram_ids(list(local))
        sizes = np.fromiter((len(a) for a in ids), dtype=np.int64, count=len(ids))
        flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)
        starts = np.cumsum(sizes) - sizes
        # count each (passage, word) pair once, then spread its count over the word's n-grams
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        pairs, reps = np.unique(doc_of * max(len(local), 1) + np.asarray(occurrences, dtype=np.int64),
                                return_counts=True)
        pair_doc, pair_word = np.divmod(pairs, max(len(local), 1))
        span = sizes[pair_word]
        total = int(span.sum())
        gather = np.repeat(starts[pair_word] - (np.cumsum(span) - span), span) + np.arange(total)
        rows = np.repeat(pair_doc, span)
        values = np.repeat(reps, span)
        return _count_matrix(values, rows, flat[gather], n_docs, len(self.vocabulary_), self.dtype)

    def _word_ngram_ids(self, words: list[str]) -> list[np.ndarray]:
        """The vocabulary ids of each word's char_wb n-grams (with repeats), from the cache."""
        vocab = self.vocabulary_
        cache = getattr(self, "_cache_char", None)
        if cache is None or cache[0] is not vocab:
            cache = self._cache_char = (vocab, {})
        known = cache[1]
        if len(known) + len(words) > CACHE_WORDS:
            known.clear()
        out = []
        get = vocab.get
        for w in words:
            ids = known.get(w)
            if ids is None:
                # scikit-learn's own n-grams of the single word: exact by construction
                grams = [get(g) for g in self._char_wb_ngrams(w)]
                ids = known[w] = np.asarray([i for i in grams if i is not None], dtype=np.int32)
            out.append(ids)
        return out

    # -- word ------------------------------------------------------------------------------------
    def _word_counts(self, docs, table) -> sp.csr_matrix:
        token_ids, base, unigram, keys, key_fids = table
        preprocess, decode, tokenize = self.build_preprocessor(), self.decode, self.build_tokenizer()
        stop = self.get_stop_words()
        get = token_ids.get
        tids: list[int] = []
        lengths: list[int] = []
        for doc in docs:
            tokens = tokenize(preprocess(decode(doc)))
            if stop is not None:
                tokens = [t for t in tokens if t not in stop]
            tids.extend(map(get, tokens, repeat(-1)))
            lengths.append(len(tokens))
        n_docs = len(lengths)
        t = np.asarray(tids, dtype=np.int64)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        min_n, max_n = self.ngram_range
        rows, cols = [], []
        for n in range(min_n, max_n + 1):
            m = len(t) - n + 1
            if m <= 0:
                break
            if n == 1:
                fid = np.where(t >= 0, unigram[np.maximum(t, 0)], -1)
                rows.append(doc_of[fid >= 0])
                cols.append(fid[fid >= 0])
                continue
            ok = doc_of[:m] == doc_of[n - 1:]  # all n tokens in one passage
            key = np.zeros(m, dtype=np.int64)
            for k in range(n):
                part = t[k:k + m]
                ok &= part >= 0
                key = key * base + part
            pos = np.minimum(np.searchsorted(keys[n], key), max(len(keys[n]) - 1, 0))
            if len(keys[n]):
                ok &= keys[n][pos] == key
            else:
                ok[:] = False
            rows.append(doc_of[:m][ok])
            cols.append(key_fids[n][pos[ok]])
        r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        c = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        return _count_matrix(np.ones(len(r), dtype=np.int64), r, c, n_docs, len(self.vocabulary_), self.dtype)

    def _token_table(self):
        """(token -> id, key base, unigram feature id per token, sorted n-gram keys and their ids per n)."""
        vocab = self.vocabulary_
        cache = getattr(self, "_cache_tokens", None)
        if cache is not None and cache[0] is vocab:
            return cache[1]
        min_n, max_n = self.ngram_range
        token_ids: dict[str, int] = {}
        terms: list[tuple[list[int], int]] = []
        for term, fid in vocab.items():
            parts = term.split(" ")
            if min_n <= len(parts) <= max_n:  # other terms can never be produced by the analyzer
                terms.append(([token_ids.setdefault(p, len(token_ids)) for p in parts], fid))
        base = max(len(token_ids), 1)
        table = None
        if base ** max_n < 2 ** 62:
            unigram = np.full(base, -1, dtype=np.int64)
            grouped: dict[int, list[tuple[int, int]]] = {n: [] for n in range(2, max_n + 1)}
            for parts, fid in terms:
                if len(parts) == 1:
                    unigram[parts[0]] = fid
                else:
                    key = 0
                    for p in parts:
                        key = key * base + p
                    grouped[len(parts)].append((key, fid))
            keys, key_fids = {}, {}
            for n, pairs in grouped.items():
                arr = np.asarray(sorted(pairs), dtype=np.int64).reshape(-1, 2)
                keys[n], key_fids[n] = arr[:, 0].copy(), arr[:, 1].copy()
            table = (token_ids, base, unigram, keys, key_fids)
        self._cache_tokens = (vocab, table)
        return table


def _count_matrix(values, rows, cols, n_docs: int, n_features: int, dtype) -> sp.csr_matrix:
    """CSR counts with duplicates summed and indices sorted, as scikit-learn's `_count_vocab` leaves them."""
    X = sp.csr_matrix((values, (rows, cols)), shape=(n_docs, n_features))
    X.sum_duplicates()  # sums repeated (row, column) pairs and sorts the indices of every row
    return X.astype(dtype, copy=False)


def cached(vectorizer):
    """`vectorizer` with every plain `TfidfVectorizer` inside it (alone or in a FeatureUnion) replaced by
    an equivalent fitted `CachedTfidfVectorizer`: models saved before it existed score as fast."""
    parts = getattr(vectorizer, "transformer_list", None)
    if parts is not None:
        vectorizer.transformer_list = [(name, cached(part)) for name, part in parts]
        return vectorizer
    if type(vectorizer) is TfidfVectorizer:
        fast = CachedTfidfVectorizer(**vectorizer.get_params())
        fast.__dict__.update(vectorizer.__dict__)
        return fast
    return vectorizer
