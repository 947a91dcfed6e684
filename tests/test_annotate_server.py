"""The durability and concurrency claims, against `stance annotate` running as a real process."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time

import httpx
from test_annotate_helpers import free_port, full_labels, kill, make_project, start_process, tokens


def annotate_loop(base, token, labels, acked, errors, lock, stop, limit=None):
    """Label this annotator's queue in order until stopped, recording what the server acknowledged."""
    headers = {"Authorization": f"Bearer {token}"}
    done = 0
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            task = c.get("/api/task").json()
            while not stop.is_set() and not task["finished"] and (limit is None or done < limit):
                pid = task["passage"]["id"]
                r = c.post("/api/annotations", json={"passage_id": pid, "labels": labels})
                if r.status_code != 200:
                    with lock:
                        errors.append((r.status_code, r.text))
                    return
                body = r.json()
                with lock:
                    acked.append((body["annotation_id"], pid))
                done += 1
                task = body["task"]
    except httpx.HTTPError as exc:  # the server was killed: what was acknowledged must be on disk
        if not stop.is_set():
            with lock:
                errors.append(("transport", repr(exc)))


def test_sigkill_during_a_burst_loses_no_acknowledged_label(tmp_path):
    proj = make_project(tmp_path / "p", n=40)
    names = [f"ann{i}" for i in range(4)]
    toks = tokens(proj, names)
    labels = full_labels(proj)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_process(proj.path, names, port, "--overlap", "1")
    acked: dict[str, list] = {n: [] for n in names}
    errors: list = []
    lock = threading.Lock()
    stop = threading.Event()
    threads = [threading.Thread(target=annotate_loop, args=(base, toks[n], labels, acked[n], errors, lock, stop))
               for n in names]
    try:
        for t in threads:
            t.start()
        deadline = time.monotonic() + 30
        while sum(len(a) for a in acked.values()) < 40 and time.monotonic() < deadline and not errors:
            time.sleep(0.01)
        stop.set()
        os.kill(proc.pid, signal.SIGKILL)  # mid-burst: requests are in flight
        for t in threads:
            t.join(timeout=30)
    finally:
        kill(proc)
    assert not errors, errors
    total = sum(len(a) for a in acked.values())
    assert 40 <= total < len(names) * 40  # the kill cut the burst short
    db = sqlite3.connect(proj.db_path)
    try:
        for name in names:
            for ann_id, pid in acked[name]:
                row = db.execute("SELECT passage_id, annotator, status FROM annotations WHERE id = ?",
                                 (ann_id,)).fetchone()
                assert row == (pid, name, "labelled"), (ann_id, row)
    finally:
        db.close()
    # restart: each annotator resumes after what is stored, and sees every acknowledged label as done
    proc = start_process(proj.path, names, port, "--overlap", "1")
    try:
        for name in names:
            task = httpx.get(base + "/api/task", headers={"Authorization": f"Bearer {toks[name]}"}).json()
            mine = {pid for _, pid in acked[name]}
            assert task["progress"]["done"] >= len(mine)
            assert task["finished"] or task["passage"]["id"] not in mine
    finally:
        kill(proc)


def test_eight_concurrent_annotators_lose_nothing(tmp_path):
    proj = make_project(tmp_path / "p", n=12)
    names = [f"ann{i}" for i in range(8)]
    toks = tokens(proj, names)
    labels = full_labels(proj, 1)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_process(proj.path, names, port, "--overlap", "1")
    acked: dict[str, list] = {n: [] for n in names}
    errors: list = []
    lock = threading.Lock()
    stop = threading.Event()
    barrier_threads = [threading.Thread(target=annotate_loop,
                                        args=(base, toks[n], labels, acked[n], errors, lock, stop, 10))
                       for n in names]
    try:
        for t in barrier_threads:
            t.start()
        for t in barrier_threads:
            t.join(timeout=60)
    finally:
        kill(proc)
    assert not errors, errors  # no 5xx, no "database is locked"
    assert all(len(acked[n]) == 10 for n in names)
    for name in names:
        current = proj.current_annotations(name)
        assert sorted(current["passage_id"]) == sorted(pid for _, pid in acked[name])
        assert all(lab == labels for lab in current["labels"])


def raw_request(port, request: bytes) -> tuple[int, bytes]:
    """Send bytes as they are (no client-side URL normalisation) and return (status, body)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


def test_real_server_refuses_traversal_huge_and_malformed_requests(tmp_path):
    from test_annotate_helpers import ThreadServer

    from stance.annotate import create_app

    proj = make_project(tmp_path / "p", n=3)
    tok = tokens(proj, ["alice"])["alice"]
    with ThreadServer(create_app(proj.path, ["alice"])) as srv:
        for path in (b"/static/../app.py", b"/static/..%2fapp.py", b"/static/%2e%2e/web.py",
                     b"/static/%2e%2e%2f%2e%2e%2fstore.py", b"/static/..\\app.py", b"/static/../../../../etc/passwd",
                     b"/static/%252e%252e/app.py", b"/static//etc/passwd"):
            status, body = raw_request(srv.port, b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                       b"Connection: close\r\n\r\n")
            assert status in (400, 404), (path, status)
            assert b"import" not in body and b"root:" not in body, path
        auth = b"Authorization: Bearer " + tok.encode() + b"\r\n"
        # a 10 MB body announced up front is refused before it is read
        status, _ = raw_request(srv.port, b"POST /api/annotations HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
                                + b"Content-Type: application/json\r\nContent-Length: 10000000\r\n"
                                b"Connection: close\r\n\r\n{")
        assert status == 413
        # the same without a length (chunked) is cut off at the limit
        chunk = b"x" * 40_000
        body = b"".join(b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"
        status, _ = raw_request(srv.port, b"POST /api/annotations HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
                                + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                                b"Connection: close\r\n\r\n" + body)
        assert status == 413
        status, body = raw_request(srv.port, b"POST /api/annotations HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
                                   + b"Content-Type: application/json\r\nContent-Length: 5\r\n"
                                   b"Connection: close\r\n\r\n{\"a\":")
        assert status == 400 and b"malformed JSON" in body
        assert httpx.get(srv.base + "/healthz").status_code == 200  # still serving
    assert proj.conn.execute("SELECT COUNT(*) FROM annotations").fetchone()[0] == 0
