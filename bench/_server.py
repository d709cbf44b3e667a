"""What the HTTP benches share: a gunicorn that is always stopped, the client load, and the count of the round trips
and commits one request costs."""

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from _setup import ROOT


def _stop(signum, frame):
    raise SystemExit(128 + signum)


# Told to stop (SIGTERM, or Ctrl-C even where a background shell ignores it), a bench still runs its ``finally``
# blocks, which stop the servers it started.
signal.signal(signal.SIGTERM, _stop)
signal.signal(signal.SIGINT, signal.default_int_handler)

# bench/urls_bench.py's plain view (no database, no schema generation): the server is up. The servers run
# bench.settings_bench.
READY_PATH = "/bench/ready"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_group_stop(process: subprocess.Popen, *, grace: float = 15) -> None:
    """SIGTERM the process's whole group (started with ``start_new_session``), SIGKILL it after ``grace`` s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _ready_wait(process: subprocess.Popen, url: str, *, what: str, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited (code {process.returncode}) before serving")
        try:
            requests.get(url, timeout=5, allow_redirects=False)
            return
        except requests.RequestException:  # not listening yet, or too busy to answer within 5 s
            time.sleep(0.2)
    raise SystemExit(f"{what} did not answer {url} within {within:.0f} s")


@contextlib.contextmanager
def gunicorn_serving(*, port: int, workers: int, env: dict, threads: int = 1, within: float = 60):
    """A gunicorn on 127.0.0.1:``port`` for the block; stopped (its process group) whatever happens."""
    command = [str(Path(sys.executable).parent / "gunicorn"), "wms.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--log-level", "warning"]
    if threads > 1:
        command += ["--threads", str(threads)]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    try:
        _ready_wait(process, f"http://127.0.0.1:{port}{READY_PATH}", what="gunicorn", within=within)
        yield process
    finally:
        process_group_stop(process)


@contextlib.contextmanager
def process_running(command: list[str], *, env: dict, log_path: Path | None = None):
    """Any helper process (a Celery worker) for the block, in its own process group, stopped whatever happens."""
    log = open(log_path, "wb") if log_path else subprocess.DEVNULL
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=log)
    try:
        yield process
    finally:
        process_group_stop(process, grace=30)
        if log_path:
            log.close()


def broker_purge(url: str) -> int:
    """Drop the messages waiting in the default Celery queue of ``url`` (a bench's leftovers); returns how many."""
    from kombu import Connection

    with Connection(url, connect_timeout=3) as connection:
        return connection.SimpleQueue("celery").clear()


def fire(*, url: str, bodies: list[bytes], clients: int, headers_for, accepted, on_answer=None) -> dict:
    """Send every body from ``clients`` threads (a Session each); ``accepted(response)`` says a push was taken.
    Returns the rate, every latency and the failures; ``on_answer(body, sent_at, answered_at)`` sees each answer."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    chunks = [bodies[i::clients] for i in range(clients)]

    def client(chunk):
        session = requests.Session()
        mine, bad = [], []
        for body in chunk:
            sent = time.perf_counter()
            try:
                answer = session.post(url, data=body, headers=headers_for(body), timeout=120)
            except requests.RequestException as exc:
                bad.append(f"no answer: {exc}")
                continue
            answered = time.perf_counter()
            mine.append(answered - sent)
            if not accepted(answer):
                bad.append(f"{answer.status_code} {answer.text[:200]}")
            elif on_answer is not None:
                on_answer(body, sent, answered)
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=client, args=(chunk,)) for chunk in chunks]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"rate": len(bodies) / elapsed, "latencies": latencies, "failures": failures, "elapsed": elapsed}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else float("nan")


def rounds_merge(runs: list[dict]) -> dict:
    """The best rate of the rounds (the least disturbed by the rest of the machine), latencies of all of them."""
    latencies = [latency for run in runs for latency in run["latencies"]]
    return {"rate": max(run["rate"] for run in runs),
            "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
            "p99": percentile(latencies, 0.99) * 1000,
            "failures": [failure for run in runs for failure in run["failures"]]}


@dataclass
class RoundTrips:
    """What one request cost the database: statements (as Django counts them, BEGIN/COMMIT not among them),
    savepoint statements among them, and commits (explicit ones, plus each statement run in autocommit)."""

    statements: int = 0
    savepoints: int = 0
    commits: int = 0
    sql: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.statements} statements ({self.savepoints} savepoint), {self.commits} commit(s)"


@contextlib.contextmanager
def round_trips_counted(connection):
    """Count what the block sends on ``connection`` (see ``RoundTrips``)."""
    counted = RoundTrips()

    def wrapper(execute, sql, params, many, context):
        counted.statements += 1
        counted.sql.append(sql)
        if sql.lstrip().upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")):
            counted.savepoints += 1
        if not connection.in_atomic_block and not sql.startswith("BEGIN"):  # autocommit: a transaction alone
            counted.commits += 1
        return execute(sql, params, many, context)

    commit = connection.commit

    def commit_counted():
        counted.commits += 1
        return commit()

    connection.commit = commit_counted
    try:
        with connection.execute_wrapper(wrapper):
            yield counted
    finally:
        del connection.commit  # the instance attribute goes; the class's method is back
