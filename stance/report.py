"""The comparative report, in four stages that can be used and tested alone:

    summary = summarise(scores, codebook, by="outlet", time="year")      # data -> tables
    figures = draw(summary)                                              # tables -> Figures
    html = render(summary, figures)                                      # -> one self-contained HTML
    result = write(summary, figures, html, "reports/outlets", pdf=True)  # -> files
                                                                         # (pass pngs=rasterise(figures)
                                                                         #  to both to draw each PNG once)

`build_report(project_or_scores, out_dir, ...)` runs the four for a project folder (its stored
predictions, its classifiers' cross-validated errors, its agreement and model figures) or for a
scores DataFrame. The HTML embeds every image (base64) and needs no network; every table behind
a chart is written as CSV beside it.
"""

from __future__ import annotations

import base64
import datetime as _dt
import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from . import analysis as an
from . import plots
from .errors import InputError, LabelError

log = logging.getLogger(__name__)
TEMPLATE = "report.html.j2"


@dataclass
class Section:
    """One part of the report: a heading, text, a chart and the tables behind it."""

    key: str
    heading: str
    text: str = ""
    chart: str | None = None          # key of `Summary.tables` drawn by plots.CHARTS[kind]
    kind: str | None = None           # chart function name in plots.CHARTS
    options: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """Everything the report says, as tables and text; no drawing yet."""

    title: str
    meta: dict
    sections: list[Section]
    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)


@dataclass
class ReportResult:
    out_dir: Path
    html: Path
    charts: list[Path]
    tables: list[Path]
    pdf: Path | None = None


def _say(progress: Callable[[str], None] | None, msg: str) -> None:
    (progress or log.info)(msg)


def select(scores: pd.DataFrame, codebook, topic: str | None = None, topic_dimension: str = "topic") -> pd.DataFrame:
    """Passages about `topic` (one value of the multi-valued topic dimension), checked against the codebook."""
    if not topic:
        return scores
    if topic_dimension not in codebook.dimension_names:
        raise InputError(f"the codebook has no dimension {topic_dimension!r} to select a topic from")
    try:
        codebook.dimension(topic_dimension).value(topic)
    except LabelError as exc:
        raise InputError(str(exc)) from None
    if topic_dimension not in scores.columns:
        raise InputError(f"the scores have no {topic_dimension!r} predictions; score with a model that has a "
                         f"{topic_dimension!r} head, or leave out --topic")
    keep = scores[topic_dimension].map(lambda v: topic in an.frame.split_values(v))
    return scores[keep]


def summarise(scores: pd.DataFrame, codebook, by: str = "outlet", time: str | None = None,
              topic: str | None = None, compare: Sequence[str] | None = None, min_passages: int = an.MIN_PASSAGES,
              errors: dict[str, an.ClassifierErrors] | None = None, agreement: tuple[pd.DataFrame, str] | None = None,
              model_quality: pd.DataFrame | None = None, n_boot: int = 1000, random_state: int = 0,
              title: str | None = None, source: str = "", progress: Callable[[str], None] | None = None,
              date_col: str = "date") -> Summary:
    """Every table of the report from passage-level scores (see `stance.analysis.frame`).

    `date_col` is the column dates are read from for `time` (a full date or a year); a column of
    that name in another case (``Date``) is found too."""
    an.frame.require(scores, ["doc_id", by], "the scores")
    date_col = find_column(scores, date_col)
    if time and date_col not in scores.columns:
        raise InputError(f"the scores have no date column {date_col!r} for --time; columns are: "
                         f"{', '.join(map(str, scores.columns))}. Name it with --date-col")
    errors = errors or {}
    data = select(scores, codebook, topic)
    content = an.frame.analysable(data)
    kw = {"n_boot": n_boot, "min_passages": min_passages, "random_state": random_state}
    tables: dict[str, pd.DataFrame] = {}
    sections: list[Section] = []
    dims = [d for d in codebook.dimension_names if d in data.columns]

    groups = (content.assign(**{by: content[by].astype("string").fillna(an.shares.MISSING)})
              .groupby(by, sort=True)
              .agg(passages=("doc_id", "size"), documents=("doc_id", "nunique"),
                   **({"first_date": (date_col, "min"), "last_date": (date_col, "max")}
                      if date_col in content else {}))
              .reset_index())
    groups["small"] = groups["passages"] < min_passages
    tables["groups"] = groups
    small = groups.loc[groups["small"], by].astype(str).tolist()
    overview = Section("overview", "What was compared", text=(
        f"{len(content):,} passages from {content['doc_id'].nunique():,} documents in {_plural(len(groups), 'group')} "
        f"by {by}" + (f", about {topic}" if topic else "") + f"; {len(data) - len(content):,} boilerplate passages "
        "(credits, bios, subscribe lines) left out."))
    if small:
        overview.notes.append(f"{len(small)} group(s) have fewer than {min_passages} passages and are shown in "
                              f"grey, not dropped: {', '.join(small[:20])}{' …' if len(small) > 20 else ''}.")
    sections.append(overview)

    if "text" in content.columns:
        lengths = passage_lengths(content, by, time, date_col)
        tables["passage_lengths"] = lengths
        warning = length_warning(lengths, by, time)
        if warning:
            overview.notes.append(warning)

    spec = None
    try:
        spec = an.default_index(codebook)
    except InputError as exc:
        overview.notes.append(f"no restraint index: {exc}")
    if spec is not None and spec.dimension in data.columns:
        _say(progress, "restraint index per group")
        tables["index"] = an.index_table(data, spec, by=by, **kw)
        sections.append(Section("index", f"{spec.name.capitalize()} per {by}", text=(
            f"The index is the {spec.definition}. Passages are weighted equally; the interval resamples "
            "documents. Read the differences between groups more than the level: the level also reflects how "
            "the classifier is calibrated on text like this, which is uncertain when it was trained on another "
            "genre."), chart="index", kind="index",
            options={"index_name": spec.name, "poles": (spec.positive, spec.negative),
                     "min_passages": min_passages, "title": f"{spec.name.capitalize()} per {by}"}))
        if time:
            _say(progress, f"restraint index per {time}")
            trend = an.index_table(data, spec, by=by, time=time, date_col=date_col, **kw)
            tables["index_trend"] = trend
            sec = Section("index_trend", f"{spec.name.capitalize()} per {by} and {time}", chart="index_trend",
                          kind="index_trend", options={"index_name": spec.name, "min_passages": min_passages,
                                                       "title": f"{spec.name.capitalize()} per {by} and {time}"})
            missing = an.undated(data, time, date_col)
            if missing:
                sec.notes.append(f"{missing:,} passages without a usable date are left out of this chart.")
            sections.append(sec)

    for dim in dims:
        _say(progress, f"shares of {dim}")
        err = errors.get(dim)
        table = an.prevalence_table(data, dim, by=by, codebook=codebook, errors=err, **kw)
        tables[f"shares_{dim}"] = table
        sec = Section(f"shares_{dim}", f"{dim.capitalize()}: share of passages per {by}",
                      text=codebook.dimension(dim).question.strip(), chart=f"shares_{dim}", kind="prevalence",
                      options={"title": f"{dim}: share of passages per {by}", "min_passages": min_passages})
        if codebook.dimension(dim).multi:
            sec.notes.append("Several values may apply to one passage, so the shares need not sum to 100%; n "
                             "counts the passages given at least one value.")
        elif err is not None:
            absent = [v for v in codebook.dimension(dim).value_names if v not in err.classes]
            if absent:
                sec.notes.append(f"No corrected share for {', '.join(absent)}: too few real labelled passages "
                                 "to measure the classifier's errors on "
                                 f"{'it' if len(absent) == 1 else 'them'} in cross-validation.")
            sec.notes.append(f"Corrected shares use the classifier's errors measured by {err.source}; they "
                             "assume the classifier errs on these texts as it did there, which is weaker the more "
                             "these texts differ from the labelled ones. Their intervals also carry the uncertainty "
                             f"of those error rates ({err.passages} labelled passages), which is why they can be "
                             "much wider than the uncorrected ones. The uncorrected share is shown beside it.")
        elif not codebook.dimension(dim).multi:
            sec.notes.append("No correction for classifier error: no cross-validated errors were available.")
        sections.append(sec)

    role, voice = _composition_dims(codebook, dims)
    if role and voice:
        _say(progress, f"{role} by {voice}")
        tables["composition"] = an.composition(data, role, by=by, split=voice, codebook=codebook, **kw)
        sections.append(Section("composition", f"{role.capitalize()} composition per {by}, by {voice}",
                                text=f"Share of each {role} among the passages of each {voice}.",
                                chart="composition", kind="composition",
                                options={"split": voice, "title": f"{role} per {by}, by {voice}",
                                         "min_passages": min_passages}))

    if "text" in data.columns:
        pairs = []
        if compare:
            a, b = compare
            known = set(content[by].astype(str))
            unknown = [g for g in (a, b) if g not in known]
            if unknown:
                raise InputError(f"--compare: no group {', '.join(map(repr, unknown))} in {by!r}; groups are: "
                                 f"{', '.join(sorted(known)[:30])}")
            pairs.append((by, a, b))
        if spec is not None and spec.dimension in data.columns:
            pairs.append((spec.dimension, spec.positive, spec.negative))
        for column, a, b in pairs:
            key = f"terms_{column}"
            _say(progress, f"distinctive terms: {a} vs {b}")
            tables[key] = an.distinctive_terms(data, column, a, b)
            sections.append(Section(key, f"Distinctive terms: {a} versus {b}", chart=key, kind="terms",
                                    text=("Words used more by one side than the other, by the log-odds ratio with "
                                          "an informative Dirichlet prior and its z-score (Monroe, Colaresi & "
                                          f"Quinn 2008); passages grouped by {column}" +
                                          (" as predicted by the classifier." if column in dims else ".")),
                                    options={"title": f"Distinctive terms: {a} vs {b}"}))
    else:
        overview.notes.append("The scores carry no passage text, so there is no distinctive-terms section.")

    if agreement is not None:
        table, note = agreement
        tables["agreement"] = table
        sec = Section("agreement", "Annotation quality", chart="agreement", kind="agreement",
                      text="Agreement between annotators on the passages two or more of them labelled.")
        if note:
            sec.notes.append(note)
        sections.append(sec)
    if model_quality is not None:
        tables["model_quality"] = model_quality
        sec = Section("model_quality", "Classifier quality", chart="model_quality", kind="model_quality",
                      text=("Macro-F1 of each dimension's classifier in cross-validation grouped by document, "
                            "beside the majority-class baseline."))
        measured = model_quality["measured_on"].dropna().unique().tolist() if not model_quality.empty else []
        sec.notes += [f"Measured on {m}." for m in measured[:3]]
        sections.append(sec)

    meta = {"by": by, "time": time, "topic": topic, "compare": list(compare) if compare else None,
            "min_passages": min_passages, "n_boot": n_boot, "passages": len(content),
            "documents": int(content["doc_id"].nunique()), "groups": len(groups), "source": source,
            "codebook": f"{codebook.name} {codebook.version}",
            "created": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}
    notes = [
        "Intervals are 95% percentile-bootstrap intervals that resample whole documents within each group "
        f"({n_boot} replicates): passages of one article are not independent.",
        "Shares are of non-boilerplate passages; every figure shows the passages (n) and documents behind it.",
        "Uncorrected shares count the classifier's labels (CC) or average its probabilities (PCC); corrected "
        "shares (ACC, PACC) undo its average confusion as measured in cross-validation (Forman 2008; Bella et al. "
        "2010), clipped to [0, 1] and renormalised.",
    ]
    title = title or f"Stance by {by}" + (f" and {time}" if time else "") + (f": {topic}" if topic else "")
    return Summary(title, meta, sections, tables, notes)


LENGTH_RATIO = 2.5  # median passage lengths further apart than this across groups or periods get a warning


def passage_lengths(content: pd.DataFrame, by: str, time: str | None, date_col: str) -> pd.DataFrame:
    """Median passage length (characters) per group, and per period when `time` is given."""
    frame = content.assign(length=content["text"].fillna("").astype(str).str.len(),
                           **{by: content[by].astype("string").fillna(an.shares.MISSING)})
    keys = [by]
    if time:
        frame = frame.assign(period=an.period(frame, time, date_col))
        keys = [by, "period"]
    return (frame.groupby(keys, dropna=False).agg(passages=("length", "size"), median_chars=("length", "median"))
            .reset_index())


def length_warning(lengths: pd.DataFrame, by: str, time: str | None) -> str:
    """A warning when passages are of very different lengths across groups or periods: the source texts
    were then split into paragraphs differently (hard-wrapped lines, missing blank lines), and every
    per-passage share depends on what a passage is."""
    parts = []
    for key in ([by] + (["period"] if time else [])):
        med = lengths.groupby(key)["median_chars"].median().dropna()
        if len(med) > 1 and med.min() > 0 and med.max() / med.min() > LENGTH_RATIO:
            parts.append(f"by {key}: from {med.min():,.0f} ({med.idxmin()}) to {med.max():,.0f} characters "
                         f"({med.idxmax()})")
    if not parts:
        return ""
    return ("Passage lengths differ widely (median " + "; ".join(parts) + "). The source texts were probably "
            "split into paragraphs differently (hard-wrapped lines, missing blank lines), and shares per passage "
            "depend on what a passage is: differences between these groups or periods may be artefacts. "
            "Re-ingest with --unit sentence for comparable units. Table: tables/passage_lengths.csv.")


def find_column(frame: pd.DataFrame, name: str) -> str:
    """`name`, or the one column that matches it ignoring case; else `name` unchanged."""
    if name in frame.columns:
        return name
    same = [c for c in frame.columns if str(c).lower() == name.lower()]
    return same[0] if len(same) == 1 else name


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _composition_dims(codebook, dims: list[str]) -> tuple[str | None, str | None]:
    """The argument-role and voice dimensions, when the codebook has them under these names."""
    role = "role" if "role" in dims else None
    voice = "voice" if "voice" in dims else None
    return role, voice


MAX_CHART_GROUPS = 40


def draw(summary: Summary, max_groups: int = MAX_CHART_GROUPS) -> dict[str, object]:
    """One Figure per section that has a chart. With more than `max_groups` groups, charts by group
    show the largest ones (by passages) and say so; the tables keep every group."""
    by = summary.meta.get("by")
    groups = summary.tables.get("groups")
    keep = None
    if by and groups is not None and len(groups) > max_groups:
        keep = set(groups.nlargest(max_groups, "passages")[by].astype(str))
    figures = {}
    for sec in summary.sections:
        if sec.chart and sec.kind:
            table = summary.tables.get(sec.chart)
            if keep is not None and table is not None and by in table.columns:
                table = table[table[by].astype(str).isin(keep)]
                note = (f"Charts show the {max_groups} largest of {len(groups)} groups by passages; every "
                        "group is in the tables.")
                if note not in sec.notes:
                    sec.notes.append(note)
            figures[sec.key] = plots.CHARTS[sec.kind](table, **sec.options)
    return figures


def rasterise(figures: dict[str, object]) -> dict[str, bytes]:
    """PNG bytes of every figure, made once and shared by the HTML and the files."""
    out = {}
    for name, fig in figures.items():
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=150)
        out[name] = buf.getvalue()
    return out


def _table_html(table: pd.DataFrame, limit: int = 60) -> str:
    shown = table.head(limit)
    html = shown.to_html(index=False, border=0, classes="data", float_format=lambda x: f"{x:.3f}", na_rep="–")
    if len(table) > limit:
        html += f"<p class='more'>First {limit} of {len(table):,} rows; all rows are in the CSV.</p>"
    return html


def render(summary: Summary, figures: dict[str, object], pngs: dict[str, bytes] | None = None) -> str:
    """The report as one self-contained HTML page (images inline as base64 PNG, no external resource)."""
    pngs = pngs if pngs is not None else rasterise(figures)
    from jinja2 import Environment, select_autoescape

    source = (resources.files("stance") / "templates" / TEMPLATE).read_text(encoding="utf-8")
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    sections = []
    for sec in summary.sections:
        table = summary.tables.get(sec.chart) if sec.chart else summary.tables.get(sec.key)
        sections.append({
            "key": sec.key, "heading": sec.heading, "text": sec.text, "notes": sec.notes,
            "image": base64.b64encode(pngs[sec.key]).decode("ascii") if sec.key in pngs else None,
            "csv": f"tables/{sec.chart}.csv" if sec.chart else None,
            "table": _table_html(table) if table is not None and not table.empty else None,
        })
    groups = summary.tables.get("groups")
    return env.from_string(source).render(title=summary.title, meta=summary.meta, notes=summary.notes,
                                          sections=sections,
                                          groups=_table_html(groups, 200) if groups is not None else None)


def write(summary: Summary, figures: dict[str, object], html: str, out_dir: str | Path,
          pdf: bool = False, pngs: dict[str, bytes] | None = None) -> ReportResult:
    """report.html, charts/<name>.png and .svg, tables/<name>.csv, optionally report.pdf."""
    out = Path(out_dir)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    charts, tables = [], []
    for name, fig in figures.items():
        stem = out / "charts" / name
        if pngs and name in pngs:
            stem.with_suffix(".png").write_bytes(pngs[name])
            charts += [stem.with_suffix(".png"), *plots.save_figure(fig, stem, formats=("svg",))]
        else:
            charts += plots.save_figure(fig, stem)
    for name, table in summary.tables.items():
        path = out / "tables" / f"{name}.csv"
        table.to_csv(path, index=False)
        tables.append(path)
    page = out / "report.html"
    tmp = page.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(page)
    pdf_path = _write_pdf(summary, figures, out / "report.pdf") if pdf else None
    return ReportResult(out, page, charts, tables, pdf_path)


def _write_pdf(summary: Summary, figures: dict[str, object], path: Path) -> Path:
    """A PDF with a title page and one page per chart (matplotlib's PDF backend: nothing to install)."""
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path, metadata={"Title": summary.title, "CreationDate": None}) as pages:
        import textwrap

        cover = plots.new_figure(8.27, 11.69)
        cover.text(0.06, 0.955, summary.title, va="top", fontsize=16, fontweight="bold")
        overview = summary.sections[0].notes if summary.sections else []
        lines = [*(f"{k}: {v}" for k, v in summary.meta.items() if v not in (None, "")), "", *overview, "",
                 "How to read the figures:", *summary.notes]
        cover.text(0.06, 0.91, "\n".join(textwrap.fill(x, 95) if x else "" for x in lines), va="top", fontsize=9,
                   linespacing=1.4)
        pages.savefig(cover)
        for fig in figures.values():
            pages.savefig(fig)
    return path


def build_report(source, out_dir: str | Path, by: str = "outlet", time: str | None = None, topic: str | None = None,
                 compare: Sequence[str] | None = None, min_passages: int = an.MIN_PASSAGES, pdf: bool = False,
                 n_boot: int = 1000, correct: bool = True, codebook=None, errors=None, title: str | None = None,
                 date_col: str = "date", progress: Callable[[str], None] | None = None) -> ReportResult:
    """The whole report for a project (folder or `Project`) or a scores DataFrame (then pass `codebook`)."""
    agreement = quality = None
    if isinstance(source, pd.DataFrame):
        scores = source
        if codebook is None:
            from .codebook import load_codebook

            codebook = load_codebook()
        label = "a scores table"
    else:
        from .store import Project

        project = Project.open(source) if isinstance(source, (str, Path)) else source
        codebook = project.codebook
        _say(progress, "reading the project's predictions")
        from .score import project_predictions

        scores = project_predictions(project, with_text=True)
        if scores.empty:
            raise InputError(f"{project.path} has no stored predictions; score it first: "
                             f"stance score --project {project.path}")
        label = f"project {project.path}"
        if correct and errors is None:
            errors = {}
            for dim in codebook.dimension_names:
                if dim in scores.columns and not codebook.dimension(dim).multi:
                    _say(progress, f"cross-validated errors of the {dim} classifier")
                    err = an.classifier_errors(project, dim, n_boot=100)
                    if err is not None:
                        errors[dim] = err
        agreement = an.annotation_quality(project)
        quality = an.model_quality(project)
    summary = summarise(scores, codebook, by=by, time=time, topic=topic, compare=compare,
                        min_passages=min_passages, errors=errors if correct else None, agreement=agreement,
                        model_quality=quality, n_boot=n_boot, title=title, source=label, progress=progress,
                        date_col=date_col)
    _say(progress, "drawing the charts")
    figures = draw(summary)
    pngs = rasterise(figures)
    html = render(summary, figures, pngs)
    return write(summary, figures, html, out_dir, pdf=pdf, pngs=pngs)
