"""Shared helpers of the annotation tests (no tests here): small projects, labels, a real server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from stance import store
from stance.annotate.auth import ensure_annotator
from stance.ingest import make_document
from stance.store import Project
from stance.store.prediction_format import label_text

XSS_SCRIPT = "Officials said <script>window.__xss = 1</script> the talks would resume on Monday."
XSS_IMG = 'A second payload <img src=x onerror="window.__xss = 2"> sits inside this sentence.'


def make_project(path: Path, n: int = 12, xss: bool = False) -> Project:
    """A project with one article of `n` plain paragraphs (plus the XSS payloads when asked)."""
    paras = [f"Paragraph {i}: the minister argued that talks on the ceasefire should continue, and that "
             f"sanctions relief could follow step {i} of the plan." for i in range(1, n + 1)]
    if xss:
        paras[1:1] = [XSS_SCRIPT, XSS_IMG]
    project = Project.init(path)
    doc = make_document("\n\n".join(paras), "test.txt",
                        {"title": "Talks <b>resume</b>", "outlet": "Test Outlet", "date": "2024-05-01"})
    project.add_documents([doc])
    return project


def disagreeing_project(path):
    """alice and bob agree on every dimension of two passages except posture on the first."""
    proj = make_project(path, n=4)
    p1, p2 = [r[0] for r in proj.conn.execute("SELECT id FROM passages ORDER BY seq LIMIT 2")]
    base = full_labels(proj)
    posture = proj.codebook.dimension("posture").value_names
    proj.add_annotation(p1, "alice", dict(base, posture=posture[0]), note="reads as a call to talk")
    proj.add_annotation(p1, "bob", dict(base, posture=posture[1]))
    proj.add_annotation(p2, "alice", base)
    proj.add_annotation(p2, "bob", base)
    return proj, p1, p2, posture


def full_labels(project: Project, pick: int = 0) -> dict[str, Any]:
    """One valid label per dimension (the `pick`-th value, wrapping), from the codebook."""
    out: dict[str, Any] = {}
    for dim in project.codebook.dimensions:
        value = dim.values[pick % len(dim.values)].name
        out[dim.name] = [value] if dim.multi else value
    return out


def tokens(project: Project, names: list[str]) -> dict[str, str]:
    return {name: ensure_annotator(project, name, new_token=True) for name in names}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(base: str, proc: subprocess.Popen | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server at {base} did not start within {timeout}s")


def start_process(project_path: Path, annotators: list[str], port: int, *extra: str) -> subprocess.Popen:
    """`stance annotate` as a real process (its own session, so a SIGKILL hits only it)."""
    args = [sys.executable, "-m", "stance", "annotate", "-p", str(project_path), "--port", str(port)]
    for name in annotators:
        args += ["-a", name]
    proc = subprocess.Popen([*args, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wait_healthy(f"http://127.0.0.1:{port}", proc)
    return proc


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    for stream in (proc.stdout, proc.stderr):
        if stream:
            stream.close()


class ThreadServer:
    """A uvicorn server for an app in a background thread (for the browser tests)."""

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        wait_healthy(self.base)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def add_predictions(project: Project, dimension: str, guesses: dict[str, tuple[Any, dict[str, float]]]) -> int:
    """Register a model for `dimension` and store its guess (label, probabilities) for some passages."""

    model = project.add_model(dimension, project.path / "models" / f"{dimension}.skops", project.codebook.version)
    with project.transaction() as tx:
        for pid, (label, probs) in guesses.items():
            store.replace_predictions(tx, model, dimension, list(probs), [pid], [label_text(label)],
                                      [list(probs.values())], "2024-01-01T00:00:00")
    return model
