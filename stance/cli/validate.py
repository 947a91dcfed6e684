"""The `validate` commands: draw a validation sample from the scored corpus, and measure the model on
its labels (docs/validation.md). Each parses arguments and calls `stance.validation`."""

from __future__ import annotations

import json

import click

from .options import project_option


@click.group("validate")
def validate() -> None:
    """Check the model on this corpus: a random sample to label, and the figures on it.

    \b
    Example:
      stance validate sample -p myproject -n 300 --by outlet
      stance annotate -p myproject --annotator alice --queue validation
      stance validate report -p myproject
    """


@validate.command("sample")
@project_option
@click.option("-n", "size", type=int, required=True, help="Passages to draw (300 is a good start).")
@click.option("--by", default=None, help="Stratify by this metadata column so that every group gets labelled "
              "passages (at least 30 each when -n allows).")
@click.option("--seed", default=7, show_default=True, help="Random seed: the same seed draws the same passages.")
@click.option("--replace", is_flag=True, help="Draw a new sample in place of the project's current one.")
@click.option("--output", "-o", default=None, type=click.Path(dir_okay=False),
              help="Also write the sampled passages (passage_id, text, group) to this CSV for labelling elsewhere.")
def sample_command(project_path, size, by, seed, replace, output):
    """Draw a validation sample: passages picked at random from the scored, non-boilerplate passages.

    Their inclusion probabilities are stored with them, and they are never used to train unless
    `stance train --include-validation` says so.

    \b
    Examples:
      stance validate sample -p myproject -n 300
      stance validate sample -p myproject -n 300 --by outlet --seed 7 -o to_label.csv
    """
    from ..validation.project import draw_project_sample

    sample = draw_project_sample(project_path, size, by=by, seed=seed, replace=replace)
    groups = sample.groupby("stratum").size()
    split = "" if by is None else " (" + ", ".join(f"{g} {n}" for g, n in groups.items()) + ")"
    click.echo(f"Drew {len(sample)} passages at random{split} into the validation sample of {project_path}.")
    if output:
        cols = ["passage_id", "text", *([by] if by else [])]
        from ..spreadsheet import safe_frame  # import-labels restores the quoted cells

        safe_frame(sample[cols]).to_csv(output, index=False)
        click.echo(f"Wrote {output}: label it by the codebook and import it with "
                   f"stance import-labels {output} -p {project_path} --format csv --validation")
    click.echo(f"Label them blind with: stance annotate -p {project_path} --annotator NAME --queue validation")


@validate.command("report")
@project_option
@click.option("--n-boot", default=1000, show_default=True, help="Bootstrap replicates for the intervals.")
@click.option("--json", "as_json", default=None, type=click.Path(dir_okay=False),
              help="Also write every figure to this JSON file.")
def report_command(project_path, n_boot, as_json):
    """The model's accuracy, macro-F1, per-value precision and recall, confusion table and Brier score
    measured on the validation sample of THIS corpus, beside the majority baseline on the same sample.

    \b
    Example:
      stance validate report -p myproject
    """
    from ..validation.project import validate_project

    result = validate_project(project_path, n_boot=n_boot)
    for line in report_lines(result):
        click.echo(line)
    if as_json:
        data = {"sample": result.labels.meta, "notes": result.notes,
                "dimensions": {d: f.to_dict() for d, f in result.figures.items()}}
        with open(as_json, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, default=str)
        click.echo(f"Wrote {as_json}")


def report_lines(result) -> list[str]:
    """The validation report as text lines for the terminal."""
    meta = result.labels.meta
    how = f"stratified by {meta['by_column']}" if meta.get("by_column") else "uniform"
    lines = [f"Validation sample: {len(result.labels.frame)} passages drawn at random ({how}, seed {meta['seed']}) "
             f"from {meta['pool']:,} scored passages on {meta['created_at'][:10]}.", ""]
    for fig in result.figures.values():
        lines += figure_lines(fig)
    lines += [f"note: {n}" for n in result.notes]
    return lines


def figure_lines(fig) -> list[str]:
    """One dimension's figures (`stance.validation.TargetFigures`) as text lines."""
    lines = [fig.verdict, f"  {'metric':<24} {'model':>6}  {'95% interval':<13}  always {fig.majority!r}"]
    for m, f in fig.metrics.items():
        label = {"brier": "brier (lower is better)", "accuracy": "exact-match accuracy" if fig.multi else m}.get(m, m)
        lines.append(f"  {label:<24} {f['value']:>6.3f}  {f['low']:.3f}-{f['high']:.3f}    "
                     f"{fig.baseline[m]['value']:.3f}")
    lines.append("  per value: precision (95% interval), recall (95% interval), labelled by people, predicted")
    for r in fig.per_class.itertuples():
        if r.labelled or r.predicted:
            lines.append(f"    {r.value:<16} {r.precision:.2f} ({r.precision_low:.2f}-{r.precision_high:.2f})  "
                         f"{r.recall:.2f} ({r.recall_low:.2f}-{r.recall_high:.2f})  {r.labelled:>4} {r.predicted:>4}")
    lines.append("  passages per value: given by both, by people only, by the model only, by neither" if fig.multi
                 else "  confusion (rows: people's label, columns: the model's)")
    lines += ["    " + row for row in fig.confusion.to_string().splitlines()]
    lines += [f"  note: {w}" for w in fig.warnings]
    return [*lines, ""]


COMMANDS = [validate]
