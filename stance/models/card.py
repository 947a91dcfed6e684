"""Model cards: what a saved model is, what it was trained on and how good it is, as JSON and Markdown."""

from __future__ import annotations

import datetime as _dt
import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from .evaluation import SCALAR_METRICS, EvaluationResult
from .integrity import card_paths

ERRORS_DECIMALS = 6  # stored out-of-fold probabilities: far finer than any figure the report prints
LIBRARIES = ("policy-stance", "scikit-learn", "numpy", "scipy", "skops", "sentence-transformers")


def library_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def cv_errors(ev) -> dict | None:
    """How the classifier of a single-valued dimension erred in cross-validation, passage by passage
    (true and predicted value, probabilities, document), so that a report can correct shares for it
    without re-running the cross-validation. None for multi-valued or unevaluated dimensions."""
    preds = ev.predictions
    if ev.multi or not ev.evaluated or preds is None or preds.empty:
        return None
    proba = preds[[f"p_{c}" for c in ev.classes]].to_numpy(dtype=float).round(ERRORS_DECIMALS)
    return {"source": f"{ev.n_splits}-fold cross-validation grouped by {ev.grouped_by} on {ev.passages} passages "
                      f"from {ev.documents} documents",
            "classes": list(ev.classes), "true": [str(v) for v in preds["true"]],
            "predicted": [str(v) for v in preds["predicted"]], "proba": proba.tolist(),
            "docs": [str(d) for d in preds["doc_id"]]}


def registered_card(entry: dict) -> dict:
    """The card of one dimension of a registered model (`Project.latest_model(...)`): as registered
    with it, or, for a model file registered without one (trained in another project and used to
    score this one), from the card file beside the model. Empty when there is neither."""
    card = (entry.get("card") or {}).get("dimension")
    if card:
        return card
    try:
        full = json.loads(card_paths(entry["path"])[0].read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return next((d for d in full.get("dimensions", []) if d.get("dimension") == entry.get("dimension")), {})


def build_card(model, evaluation: EvaluationResult | None = None, file_name: str = "",
               sha256: str = "") -> dict:
    """The card of a trained StanceModel, with cross-validated figures when an evaluation is given."""
    dims = []
    head = model.head_.describe()
    for d in model.dimensions_:
        classifier = model.heads_[d]
        entry = {
            "dimension": d,
            "multi": model.multi_[d],
            "classes": model.classes_[d],
            "training_data": getattr(model, "training_", {}).get(d, {"passages": model.n_train_[d]}),
            "C": classifier.C_,
            "decision_rule": "each value with probability >= 0.5" if model.multi_[d] else
            {"balanced": "highest probability divided by the value's share of training labels",
             "probability": "most probable value"}.get(classifier.decision, classifier.decision),
        }
        ev = evaluation.dimensions.get(d) if evaluation is not None else None
        if ev is not None and ev.evaluated:
            entry["evaluation"] = {
                "measured_on": f"{ev.passages} real passages from {ev.documents} documents; "
                               f"{ev.n_splits}-fold cross-validation grouped by {ev.grouped_by}; written codebook "
                               "examples never in a test fold",
                "metrics": {k: ev.metrics[k] for k in SCALAR_METRICS if k in ev.metrics},
                "majority_baseline": {k: ev.baseline[k] for k in SCALAR_METRICS if k in ev.baseline},
                "per_class": ev.per_class.to_dict(orient="records") if ev.per_class is not None else [],
                "interval": "95% percentile bootstrap over documents",
            }
            if ev.learning_curve is not None and not ev.learning_curve.empty:  # `--learning-curve`
                entry["evaluation"]["learning_curve"] = ev.learning_curve.to_dict(orient="records")
            errors = cv_errors(ev)
            if errors is not None:
                entry["evaluation"]["errors"] = errors
            entry["warnings"] = list(ev.warnings)
        elif ev is not None:
            entry["evaluation"] = None
            entry["warnings"] = list(ev.warnings)
        dims.append(entry)
    return {
        "model_file": file_name,
        "sha256": sha256,
        "created": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
        "codebook": {"name": getattr(model, "codebook_name_", None),
                     "version": getattr(model, "codebook_version_", None)},
        **{k: head[k] for k in ("head", "encoder", "features", "feature_fingerprint", "n_features")},
        "target_column": getattr(model, "target_column_", None),
        "include_examples": bool(getattr(model, "include_examples_", False)),
        "validation_passages_in_training": int(getattr(model, "validation_in_training_", 0)),
        "model": head["model"],
        "dimensions": dims,
        "warnings": list(getattr(model, "warnings_", [])),
        "libraries": library_versions(),
    }


def render_markdown(card: dict) -> str:
    """The card as Markdown for people."""
    cb = card["codebook"]
    lines = [
        f"# Model card: {card['model_file'] or 'policy-stance model'}",
        "",
        f"- Created: {card['created']}",
        f"- Codebook: {cb['name']} version {cb['version']}",
        f"- Head: {card.get('head', 'tfidf')}"
        + (f" on the encoder {card['encoder']}" if card.get("encoder") else ""),
        f"- Features: {card['features']} ({card['n_features']:,} features, fingerprint "
        f"`{card['feature_fingerprint']}`)",
        f"- Model: {card['model']}",
        f"- Written codebook examples in training: {'yes' if card['include_examples'] else 'no'}",
    ]
    if card.get("target_column"):
        lines.append(f"- Stance toward a stated target, from column `{card['target_column']}`")
    lines.append("- Libraries: " + ", ".join(f"{k} {v}" for k, v in card["libraries"].items()))
    for d in card["dimensions"]:
        td = d["training_data"]
        lines += ["", f"## {d['dimension']}", "",
                  f"Values: {', '.join(d['classes'])} ({'several per passage' if d['multi'] else 'one per passage'}); "
                  f"C = {d['C']}; label rule: {d['decision_rule']}",
                  "",
                  f"Training data: {td.get('passages', '?')} real passages from {td.get('documents', '?')} "
                  f"documents, {td.get('examples', 0)} written examples; labels per value: "
                  + ", ".join(f"{k} {v}" for k, v in td.get("class_counts", {}).items())]
        ev = d.get("evaluation")
        if ev:
            lines += ["", f"Measured on {ev['measured_on']}. Intervals: {ev['interval']}.", "",
                      "| metric | model | 95% interval | majority baseline |", "|---|---|---|---|"]
            for k, m in ev["metrics"].items():
                b = ev["majority_baseline"].get(k, {}).get("value", float("nan"))
                label = f"{k} (lower is better)" if k == "brier" else k
                lines.append(f"| {label} | {m['value']:.3f} | {m['low']:.3f}-{m['high']:.3f} | {b:.3f} |")
            if ev["per_class"]:
                lines += ["", "| value | precision | recall | F1 (95% interval) | support |", "|---|---|---|---|---|"]
                for r in ev["per_class"]:
                    lines.append(f"| {r['value']} | {r['precision']:.2f} | {r['recall']:.2f} | "
                                 f"{r['f1']:.2f} ({r['f1_low']:.2f}-{r['f1_high']:.2f}) | {r['support']} |")
        elif "evaluation" in d:
            lines += ["", "Not evaluated (see notes)."]
        for w in d.get("warnings", []):
            lines.append(f"\n> Note: {w}")
    if card["warnings"]:
        lines += ["", "## Training notes", ""] + [f"- {w}" for w in card["warnings"]]
    for section in card.get("sections", []):
        lines += ["", f"## {section['title']}", "", section["markdown"]]
    return "\n".join(lines) + "\n"


def add_card_section(model_path: str | Path, title: str, markdown: str, data: Any = None) -> dict:
    """Add (or replace) a titled section of the card beside a saved model, such as the figures per genre
    of the text it was trained on: kept in the JSON card under "sections" (with `data`) and appended to
    the Markdown card. Returns the card."""
    jpath, mpath = card_paths(model_path)
    card = json.loads(jpath.read_text(encoding="utf-8"))
    sections = [s for s in card.get("sections", []) if s.get("title") != title]
    card["sections"] = [*sections, {"title": title, "markdown": markdown, "data": data}]
    jpath.write_text(json.dumps(card, indent=2, default=str), encoding="utf-8")
    mpath.write_text(render_markdown(card), encoding="utf-8")
    return card
