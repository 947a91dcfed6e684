"""Annotation commands: annotate (label passages in the browser) and adjudicate (resolve disagreements)."""

from __future__ import annotations

import click

from ..annotate.auth import ensure_annotator, is_loopback
from ..annotate.queue import ORDERS, QueueOptions
from ..annotate.server import bind_socket, check_bind, serve
from ..store import Project
from .options import project_option

host_option = click.option("--host", default="127.0.0.1", show_default=True,
                           help="Address to bind. Anything but loopback requires tokens (the default).")
port_option = click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
new_token_option = click.option("--new-token", is_flag=True,
                                help="Issue new tokens for the named annotators (the old ones stop working).")
no_auth_option = click.option("--no-auth", is_flag=True,
                              help="No tokens: every request is the first --annotator. Loopback only.")


def _tokens(project: Project, names: tuple[str, ...], new_token: bool, host: str, port: int,
            auth: bool) -> None:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base = f"http://{shown}:{port}"
    for name in names:
        token = ensure_annotator(project, name, new_token=new_token)
        if not auth:
            continue
        if token:
            click.echo(f"{name}: new token (shown once, keep it): {token}")
            click.echo(f"  log in: {base}/login?token={token}")
        else:
            click.echo(f"{name}: has a token already; log in at {base}/login (or restart with --new-token)")


@click.command()
@project_option
@click.option("--annotator", "-a", "annotators", multiple=True, required=True,
              help="Who labels. Repeat for several annotators sharing this server.")
@click.option("--order", type=click.Choice(ORDERS), default="sequential", show_default=True,
              help="Queue order; 'uncertain' puts the passages the latest model is least sure of first.")
@click.option("--retrain-every", default=25, show_default=True, type=click.IntRange(0),
              help="With --order uncertain: retrain the queue's model in the background every N labels and "
                   "re-order the queue (0: only when asked in the app). The model only orders the queue.")
@click.option("--head", "retrain_head", type=click.Choice(["tfidf", "embed", "setfit"]), default=None,
              help="With --order uncertain: the head of the queue's model (default: the head of the project's "
                   "newest model, tfidf if it has none; setfit refreshes take minutes).")
@click.option("--seed", default=0, show_default=True, help="Seed of the random order and of the assignment.")
@click.option("--overlap", default=0.2, show_default=True, type=click.FloatRange(0, 1),
              help="Share of passages every annotator gets (for agreement); the rest is divided.")
@click.option("--include-boilerplate", is_flag=True, help="Also queue passages flagged as boilerplate.")
@click.option("--include-examples", is_flag=True, help="Also queue the codebook's written examples.")
@click.option("--queue", "queue_kind", type=click.Choice(["passages", "validation"]), default="passages",
              show_default=True, help="validation: the validation sample (stance validate sample) for every "
              "annotator, in its random draw order, with no model suggestion.")
@click.option("--where", default="", metavar="FILTER", help="Serve only the passages that meet a filter, e.g. "
              "--where \"topic != other\" or --where \"author = Joe Biden and text ~ Iran\" (docs/annotation.md).")
@click.option("--sync", "sync", type=click.Choice(["full", "normal"]), default="full", show_default=True,
              help="full: each label is fsynced before 'saved' (survives a power cut); normal: it survives "
                   "the server being killed, not a power cut, and saves faster under heavy load.")
@host_option
@port_option
@new_token_option
@no_auth_option
def annotate(project_path: str, annotators: tuple[str, ...], order: str, retrain_every: int,
             retrain_head: str | None, seed: int,
             overlap: float,
             include_boilerplate: bool, include_examples: bool, queue_kind: str, where: str, sync: str, host: str,
             port: int, new_token: bool, no_auth: bool) -> None:
    """Label passages in the browser, one at a time, from the keyboard.

    Each annotator gets a token the first time (printed once, stored hashed); open the printed
    login link. Labels are saved to the project database before the page says "saved"; stop the
    server any time and start it again to carry on where each annotator stopped.

    \b
    Examples:
      stance annotate --project myproject --annotator alice
      stance annotate -p myproject -a alice -a bob --overlap 0.25 --order random --seed 7
      stance annotate -p myproject -a alice --order uncertain --retrain-every 20
      stance annotate -p myproject -a alice --order uncertain --head embed
      stance annotate -p myproject -a alice --host 0.0.0.0 --port 8080   # on the network: tokens
      stance annotate -p myproject -a alice --queue validation            # the validation sample, blind
      stance annotate -p myproject -a alice --where "topic != other"      # predicted topic is not 'other'
    """
    from ..annotate.app import create_app

    auth = not no_auth
    check_bind(host, auth)
    if not auth and len(annotators) != 1:
        raise click.UsageError("--no-auth serves exactly one --annotator")
    project = Project.open(project_path)
    sock = bind_socket(host, port)
    port = port or sock.getsockname()[1]  # --port 0: the free port the system gave
    _tokens(project, annotators, new_token, host, port, auth)
    opts = QueueOptions(order=order, seed=seed, overlap=overlap, include_boilerplate=include_boilerplate,
                        include_examples=include_examples, annotators=annotators,
                        validation=queue_kind == "validation", where=where)
    app = create_app(project_path, annotators=list(annotators), opts=opts, auth=auth, durable=sync == "full",
                     retrain_every=retrain_every, retrain_head=retrain_head)
    state = app.state.annotation
    for name in annotators:
        q = state.queue(name)
        click.echo(f"{name}: {len(q.passage_ids)} passages assigned "
                   f"({'validation sample' if queue_kind == 'validation' else order + ' order'})")
        if q.note:
            click.echo(f"  note: {q.note}")
    where = "this machine only" if is_loopback(host) else "the network"
    click.echo(f"Serving http://{host}:{port}/ to {where}; Ctrl-C stops (every saved label is kept).")
    serve(app, host=host, port=port, auth=auth, sock=sock)


@click.command()
@project_option
@click.option("--annotator", "-a", "adjudicator", required=True, help="The adjudicator's name.")
@click.option("--min-annotators", default=2, show_default=True, type=click.IntRange(2),
              help="Unanimous labels from at least this many annotators become gold automatically.")
@host_option
@port_option
@new_token_option
@no_auth_option
def adjudicate(project_path: str, adjudicator: str, min_annotators: int, host: str, port: int,
               new_token: bool, no_auth: bool) -> None:
    """Resolve annotators' disagreements in the browser; the choice becomes the gold label.

    Unanimous labels become gold automatically when the server starts (and again on request
    in the page). Gold labels record how they were reached (adjudicated or unanimous) and by whom.

    \b
    Example:
      stance adjudicate --project myproject --annotator lead
    """
    from ..annotate.adjudication import create_adjudication_app

    auth = not no_auth
    check_bind(host, auth)
    project = Project.open(project_path)
    sock = bind_socket(host, port)
    port = port or sock.getsockname()[1]
    _tokens(project, (adjudicator,), new_token, host, port, auth)
    app = create_adjudication_app(project_path, adjudicator, auth=auth, min_annotators=min_annotators)
    state = app.state.adjudication
    n = state.open_count()
    click.echo(f"{state.promoted} unanimous labels made gold; {n} disagreement{'' if n == 1 else 's'} to resolve.")
    click.echo(f"Serving http://{host}:{port}/ ; Ctrl-C stops.")
    serve(app, host=host, port=port, auth=auth, sock=sock)


COMMANDS = [annotate, adjudicate]
