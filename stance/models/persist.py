"""Save and load models safely with skops: loading never runs code from the file.

`load_model` trusts the numpy/scipy types that skops trusts by default, the scikit-learn estimators
of the modules the toolkit's models are built from (`SKLEARN_MODULES`) and this package's own model
classes (`TRUSTED_TYPES`), and refuses a file that holds any other type. A model card
(JSON + Markdown) is written beside every model file; it records the file's SHA-256, and a file
whose hash no longer matches its card is refused as modified. The file also carries its own checksum
(`integrity`), so a file whose card is missing is still checked; one with neither is refused.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path

from ..codebook import Codebook
from ..errors import ModelError
from .card import build_card, card_paths, render_markdown
from .heads import trusted_types
from .integrity import check_card_digest, check_seal, file_sha256, seal
from .model import StanceModel
from .plain import plain_members

FORMAT = "policy-stance-model"
FORMAT_VERSION = 1
# the model class and every type a head may hold (each head module lists its own)
TRUSTED_TYPES = ["stance.models.model.StanceModel", *trusted_types()]

# The scikit-learn estimators skops trusts when policy-stance imports it: those of the modules its
# models are made of (TF-IDF, FeatureUnion, LinearSVC, LogisticRegression), not every estimator.
SKLEARN_MODULES = ("sklearn.feature_extraction.text", "sklearn.pipeline", "sklearn.svm", "sklearn.linear_model",
                   "sklearn.preprocessing")


class CodebookVersionWarning(UserWarning):
    """A model is used with a codebook version other than the one it was trained under."""


def save_model(model: StanceModel, path: str | Path, evaluation=None) -> dict:
    """Write `model` to `path` (a .skops file) and its card beside it; return the card.

    Files are written to a temporary name and moved into place, so an interrupted save never leaves
    a half-written model that looks whole.
    """
    sio = skops_io()

    if not isinstance(model, StanceModel) or "head_" not in model.__dict__:
        raise ModelError("only a trained StanceModel can be saved")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "model": model}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".skops")
    os.close(fd)
    try:
        sio.dump(payload, tmp)
        # the plain scoring form (stance.models.plain) and the file's own checksum over every member,
        # for when its card is not beside it
        seal(tmp, extra=plain_members(model))
        digest = file_sha256(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    card = build_card(model, evaluation, file_name=path.name, sha256=digest)
    jpath, mpath = card_paths(path)
    _write_atomic(jpath, json.dumps(card, indent=2, default=_json_default))
    _write_atomic(mpath, render_markdown(card))
    return card


def load_model(path: str | Path, codebook: Codebook | None = None,
               allow_other_codebook: bool = False) -> StanceModel:
    """Load a model saved by `save_model`, refusing untrusted, modified or corrupted files.

    With `codebook` (a project's), a model trained under another codebook (name, version, or
    dimensions and values it lacks) is refused, unless `allow_other_codebook`: then it loads with a
    CodebookVersionWarning for each difference.
    """
    sio = skops_io()

    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    jpath, _ = card_paths(path)
    check_card_digest(path)
    try:
        sealed = check_seal(path)
    except (zipfile.BadZipFile, EOFError, OSError) as exc:
        raise ModelError(f"{path}: not a readable model file (corrupted or not saved by policy-stance): "
                         f"{type(exc).__name__}: {exc}") from None
    try:
        untrusted = sio.get_untrusted_types(file=path)
    except Exception as exc:
        raise ModelError(f"{path}: not a readable model file (corrupted or not saved by policy-stance): "
                         f"{type(exc).__name__}: {exc}") from None
    unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
    if unknown:
        raise ModelError(f"{path}: refusing to load: the file contains types that policy-stance does not "
                         f"trust: {', '.join(unknown)}. Only load models from sources you trust; this file "
                         "was not written by policy-stance's save_model or was tampered with")
    if not sealed and not jpath.is_file():
        raise ModelError(f"{path}: cannot check this file: it carries no checksum (saved by an earlier "
                         f"policy-stance) and its card {jpath.name} is not beside it; put the card back or "
                         "retrain the model")
    try:
        payload = sio.load(path, trusted=[t for t in TRUSTED_TYPES if t in set(untrusted)])
    except Exception as exc:
        raise ModelError(f"{path}: cannot load the model (corrupted file?): {type(exc).__name__}: {exc}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ModelError(f"{path}: not a policy-stance model file")
    if payload.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"{path}: model file format {payload.get('format_version')} is not supported by "
                         f"this version of policy-stance (expects {FORMAT_VERSION}); retrain the model")
    model = payload["model"]
    if not isinstance(model, StanceModel):
        raise ModelError(f"{path}: the file does not hold a StanceModel")
    after_load = getattr(model.head_, "after_load", None)
    if after_load is not None:
        after_load()
    if codebook is not None:
        mismatch = codebook_mismatch(model, codebook)
        if mismatch and not allow_other_codebook:
            raise ModelError(f"{path} was trained under {mismatch}. Retrain it on this project, or pass "
                             "--allow-other-codebook to use it anyway (values the project's codebook lacks are "
                             "never stored)")
        check_codebook(model, codebook, source=str(path))
    return model


def skops_io():
    """`skops.io`, imported without its walk over all of scikit-learn.

    On import, skops lists the estimators it trusts with scikit-learn's `all_estimators()`, which
    imports every scikit-learn module and with them pytest, Dask and (where installed) torch: about
    1.4 s and 440 modules before the first passage is scored. While skops is imported here it gets
    the estimators of `SKLEARN_MODULES` instead, which is also a stricter trust list. If something
    else imported skops first, its own (longer) list stands; loading still refuses unknown types.
    """
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    import sklearn.utils

    everything = sklearn.utils.all_estimators
    sklearn.utils.all_estimators = _toolkit_estimators
    try:
        import skops.io
    finally:
        sklearn.utils.all_estimators = everything
    return skops.io


def _toolkit_estimators(type_filter=None) -> list[tuple[str, type]]:
    """`all_estimators()` restricted to `SKLEARN_MODULES` (public, concrete estimator classes)."""
    from sklearn.base import BaseEstimator

    found: dict[str, type] = {}
    for name in SKLEARN_MODULES:
        module = importlib.import_module(name)
        for attr in getattr(module, "__all__", dir(module)):
            obj = getattr(module, attr, None)
            if (inspect.isclass(obj) and issubclass(obj, BaseEstimator) and not attr.startswith("_")
                    and not inspect.isabstract(obj)):
                found[attr] = obj
    return sorted(found.items())


def codebook_mismatch(model: StanceModel, codebook: Codebook) -> str | None:
    """How the codebook `model` was trained under differs from `codebook`, in words naming both, or None.

    Another name or version counts (a rule change alters what a label means), and so do dimensions or
    values that `codebook` lacks (an edited copy that kept its version)."""
    name, version = getattr(model, "codebook_name_", None), getattr(model, "codebook_version_", None)
    trained = f"codebook {name!r} version {version}" if name else f"codebook version {version}"
    project = f"the project's codebook is {codebook.name!r} version {codebook.version}"
    if (name is not None and str(name) != str(codebook.name)) or (
            version is not None and str(version) != str(codebook.version)):
        return f"{trained}; {project}"
    lacking = [f"dimension {d!r}" for d in model.dimensions_ if d not in codebook.dimension_names]
    lacking += [f"{d} value {v!r}" for d in model.dimensions_ if d in codebook.dimension_names
                for v in model.classes_[d] if v not in codebook.dimension(d).value_names]
    if lacking:
        return f"{trained}, but {project} and lacks its {', '.join(lacking)}"
    return None


def check_codebook(model: StanceModel, codebook: Codebook, source: str = "model") -> None:
    """Warn when the model's codebook version differs from `codebook`'s, or its values left the codebook."""
    trained = getattr(model, "codebook_version_", None)
    if trained is not None and str(trained) != str(codebook.version):
        warnings.warn(f"{source} was trained under {codebook_mismatch(model, codebook)}. Labels may have "
                      "changed meaning: retrain when you can", CodebookVersionWarning, stacklevel=3)
    for d in model.dimensions_:
        if d not in codebook.dimension_names:
            warnings.warn(f"{source}: dimension {d!r} is not in codebook version {codebook.version}",
                          CodebookVersionWarning, stacklevel=3)
            continue
        gone = [c for c in model.classes_[d] if c not in codebook.dimension(d).value_names]
        if gone:
            warnings.warn(f"{source}: value(s) {', '.join(gone)} of {d!r} are not in codebook version "
                          f"{codebook.version}", CodebookVersionWarning, stacklevel=3)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(".tmp-" + path.name)
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _json_default(o):
    import numpy as np

    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    return str(o)
