"""Model commands: train, evaluate, explain, models. Each parses arguments and calls one library function."""

from __future__ import annotations

import json

import click

from .options import (
    head_params,
    other_codebook_option,
    progress,
    project_option,
    quiet_option,
    setfit_budget_options,
    target_col_option,
)

dimension_option = click.option(
    "--dimension", "-d", "dimensions", multiple=True,
    help="Dimension to use (repeatable); default: every dimension with gold labels.",
)
features_option = click.option(
    "--features", type=click.Choice(["tfidf", "tfidf+embeddings"]), default="tfidf", show_default=True,
    help="Word+character TF-IDF, optionally with sentence embeddings (needs the `embeddings` extra).",
)
group_option = click.option(
    "--group-col", "group_col", default=None, metavar="COLUMN",
    help="Cross-validate holding out whole values of this metadata column (e.g. outlet, author, speech) "
         "instead of whole documents.",
)
head_option = click.option(
    "--head", default="tfidf", show_default=True, metavar="NAME",
    help="How passages become probabilities: tfidf (n-grams), embed (frozen sentence embeddings) or setfit "
         "(the encoder fine-tuned on your labels); the encoder heads need the `embeddings` extra. See "
         "docs/models.md for which to choose.",
)
examples_option = click.option(
    "--include-examples", is_flag=True,
    help="Also train on the written codebook examples (never counted in an evaluation figure).",
)


@click.command("train")
@project_option
@dimension_option
@features_option
@examples_option
@head_option
@click.option("--drop-rare", is_flag=True, help="Train without values that have too few labels "
              "(named in the card) instead of stopping.")
@click.option("--no-evaluate", is_flag=True, help="Skip the cross-validation whose figures go into the "
              "model card.")
@click.option("--n-boot", default=1000, show_default=True, help="Bootstrap replicates for the intervals.")
@click.option("--include-validation", is_flag=True, help="Also train on the validation sample's labelled "
              "passages (its figures then say they are no longer held out).")
@target_col_option
@click.option("--learning-curve", is_flag=True, help="Also measure the learning curve (macro-F1 by labelled "
              "passages) in the cross-validation and keep it in the model card, for the report; slower.")
@group_option
@setfit_budget_options
@quiet_option
def train_command(project_path, dimensions, features, include_examples, head, drop_rare, no_evaluate, n_boot,
                  include_validation, target_col, learning_curve, group_col, time_budget, pairs, quiet):
    """Train one classifier per dimension on the gold labels and save it with a model card.

    \b
    Examples:
      stance train --project myproject --dimension posture --include-examples
      stance train --project debates --target-col motion
      stance train --project myproject --group-col outlet
      stance train --project myproject --head setfit --time-budget 20m --no-evaluate
    """
    from ..models import train_project

    if learning_curve and no_evaluate:
        raise click.UsageError("--learning-curve is measured in the cross-validation, which --no-evaluate skips")
    options = head_params(head, quiet, time_budget, pairs)
    model, evaluation, path = train_project(
        project_path, dimensions=list(dimensions) or None, features=features,
        include_examples=include_examples, drop_rare=drop_rare, cross_validate=not no_evaluate,
        n_boot=n_boot, progress=progress(quiet), include_validation=include_validation, target_column=target_col,
        learning_curve=learning_curve, group_column=group_col, head=head, head_params=options)
    click.echo(f"Saved {path} (card: {path.with_suffix('').name}.card.md)")
    for w in getattr(model, "warnings_", []):
        click.echo(f"note: {w}", err=True)
    if evaluation is not None:
        click.echo(evaluation.summary())


@click.command("evaluate")
@project_option
@dimension_option
@features_option
@examples_option
@head_option
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds (grouped by document).")
@click.option("--n-boot", default=1000, show_default=True, help="Bootstrap replicates for the intervals.")
@click.option("--learning-curve/--no-learning-curve", default=False, show_default=True,
              help="Also measure the learning curve: macro-F1 on held-out documents after training on growing "
                   "shares of each fold's documents (most of the command's time).")
@click.option("--json", "as_json", type=click.Path(dir_okay=False), help="Also write every figure to this JSON file.")
@click.option("--model", "model_path", default=None, type=click.Path(dir_okay=False),
              help="With --labels: the saved model (.skops) to measure (default: the project's latest).")
@click.option("--labels", "labels_path", default=None, type=click.Path(dir_okay=False),
              help="Measure a saved model on this labelled file (CSV, JSONL or Parquet: a text column and one "
                   "column per dimension) instead of cross-validating.")
@click.option("--text-col", default="text", show_default=True, help="Text column of the --labels file.")
@target_col_option
@group_option
@other_codebook_option
@setfit_budget_options
@quiet_option
def evaluate_command(project_path, dimensions, features, include_examples, head, folds, n_boot, learning_curve,
                     as_json, model_path, labels_path, text_col, target_col, group_col, allow_other_codebook,
                     time_budget, pairs, quiet):
    """Cross-validated figures with 95% intervals, beside a majority-class baseline.

    Passages of one document (or, with --group-col, of one outlet, author...) never sit on both sides
    of a split; written codebook examples never count in a figure.

    \b
    Examples:
      stance evaluate --project myproject --dimension posture
      stance evaluate --project myproject --dimension posture --learning-curve
      stance evaluate --project myproject --group-col outlet
      stance evaluate --project myproject --dimension posture --head embed
      stance evaluate --project myproject --dimension posture --head setfit --pairs 320
      stance evaluate --model myproject/models/stance-X.skops --labels sample.csv --text-col text
      stance evaluate --project debates --target-col motion
    """
    options = head_params(head, quiet, time_budget, pairs)
    if labels_path:
        if time_budget is not None or pairs is not None:
            raise click.UsageError("--time-budget and --pairs are for training; a --labels file measures a saved model")
        if group_col:
            raise click.UsageError("--group-col is for cross-validation; a --labels file is measured as it is")
        _evaluate_file(project_path, model_path, labels_path, text_col, n_boot, as_json, target_col,
                       allow_other_codebook)
        return
    if model_path:
        raise click.UsageError("--model is for measuring a saved model on a --labels file")
    from ..models import evaluate_project

    result = evaluate_project(project_path, dimensions=list(dimensions) or None, features=features,
                              include_examples=include_examples, n_splits=folds, n_boot=n_boot,
                              learning_curve=learning_curve, progress=progress(quiet),
                              target_column=target_col, group_column=group_col, head_type=head,
                              head_params=options)
    click.echo(result.summary())
    for d in result.dimensions.values():
        if d.confusion is not None:
            click.echo(f"\n{d.dimension}: confusion matrix (rows: gold, columns: predicted)")
            click.echo(d.confusion.to_string())
        if d.reliability is not None and not d.reliability.empty:
            click.echo(f"\n{d.dimension}: reliability (is a passage labelled with confidence p right p of the time?)")
            click.echo(d.reliability.to_string(index=False, float_format=lambda v: f"{v:.2f}"))
        if d.learning_curve is not None and not d.learning_curve.empty:
            click.echo(f"\n{d.dimension}: learning curve (macro-F1 on held-out documents)")
            click.echo(d.learning_curve.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if as_json:
        with open(as_json, "w", encoding="utf-8") as f:
            json.dump(result.to_dict(), f, indent=2, default=str)
        click.echo(f"\nWrote {as_json}")


@click.command("explain")
@click.argument("text")
@project_option
@click.option("--dimension", "-d", default=None, help="Only this dimension.")
@click.option("--terms", "n_terms", default=8, show_default=True, help="How many terms to show.")
@click.option("--top", is_flag=True, help="Show the strongest n-grams of every value instead of one passage.")
@click.option("--target", default=None, help="The passage's target, for a model trained with --target-col.")
@other_codebook_option
def explain_command(text, project_path, dimension, n_terms, top, target, allow_other_codebook):
    """Why the model labels a passage as it does: the terms that pushed it toward its label.

    \b
    Example:
      stance explain --project myproject "Washington should pull its troops out of Syria."
      stance explain --project myproject --top --dimension posture ""
    """
    from ..models import explain, load_latest, top_terms

    model = load_latest(project_path, dimension, allow_other_codebook=allow_other_codebook)
    if top:
        click.echo(top_terms(model, dimension, n=n_terms).to_string(index=False))
        return
    from ..models.targets import uses_targets

    if uses_targets(model) and target is None:
        raise click.UsageError("the model scores stance toward a stated target: give the passage's with --target TEXT")
    if target is not None and not uses_targets(model):
        raise click.UsageError("--target: the model was trained without a target column, so it cannot use one")
    for item in explain(model, text, dimension=dimension, n=n_terms, target=target):
        label = ", ".join(item["label"]) if isinstance(item["label"], list) else item["label"]
        probs = ", ".join(f"{k} {v:.2f}" for k, v in item["probabilities"].items())
        click.echo(f"{item['dimension']}: {label}  ({probs})")
        for r in item["terms"].itertuples():
            click.echo(f"    {r.feature:<28} +{r.contribution:.3f}  (toward {r.value})")


@click.command("models")
@project_option
def models_command(project_path):
    """List the project's saved models and their cross-validated figures.

    \b
    Example:
      stance models --project myproject
    """
    from ..models import list_models
    from ..models.project import unregistered_models

    frame = list_models(project_path)
    if frame.empty:
        click.echo(f"No models yet. Train one with: stance train --project {project_path}")
    else:
        cols = [c for c in ("id", "dimension", "created", "codebook_version", "accuracy", "majority_accuracy",
                            "macro_f1", "macro_f1_interval", "path") if c in frame.columns]
        click.echo(frame[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    for path in unregistered_models(project_path):
        click.echo(f"note: {path} is not registered (a train interrupted before it finished?); it is never "
                   "used unless given with --model; delete it if unwanted", err=True)


def _evaluate_file(project_path, model_path, labels_path, text_col, n_boot, as_json, target_col,
                   allow_other_codebook) -> None:
    """`evaluate --labels`: a saved model's figures on a labelled file, beside the majority baseline."""
    from pathlib import Path

    from ..codebook import load_codebook
    from ..models import load_latest, load_model
    from ..store import DB_NAME, Project
    from ..validation.labelled_file import evaluate_labelled_file
    from .validate import figure_lines

    home = Path(project_path)
    codebook = Project.open(home).codebook if (home / DB_NAME).exists() else load_codebook()
    model = (load_model(model_path, codebook=codebook, allow_other_codebook=allow_other_codebook) if model_path
             else load_latest(project_path, allow_other_codebook=allow_other_codebook))
    figures = evaluate_labelled_file(model, labels_path, text_col=text_col, codebook=codebook, n_boot=n_boot,
                                     target_col=target_col)
    click.echo(f"Measured on {labels_path} (95% intervals: bootstrap over its rows).\n")
    for fig in figures.values():
        for line in figure_lines(fig):
            click.echo(line)
    if as_json:
        with open(as_json, "w", encoding="utf-8") as f:
            json.dump({d: fig.to_dict() for d, fig in figures.items()}, f, indent=2, default=str)
        click.echo(f"Wrote {as_json}")


COMMANDS = [train_command, evaluate_command, explain_command, models_command]
