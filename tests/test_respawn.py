"""bin/respawn keeps the demo's worker and beat running: honcho stops every process as soon as one exits, so
Procfile.dev runs worker and beat under it. A command that dies is started again; a stop signal to the process
group (honcho's way, and a terminal's Ctrl-C) ends it for good."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

RESPAWN = Path(settings.BASE_DIR) / "bin" / "respawn"
PATIENCE_SECONDS = 60  # a bound on waiting for a process on a loaded machine, not a speed assertion

# A long-running command that notes each start (its pid) and exits cleanly on SIGTERM or SIGINT, as Celery does.
SERVICE = """
import os, signal, sys, time
for sig in (signal.SIGTERM, signal.SIGINT):
    signal.signal(sig, lambda *args: sys.exit(0))
with open(sys.argv[1], "a") as fh:
    fh.write(f"{os.getpid()}\\n")
time.sleep(600)
"""


def starts(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


def wait_for(predicate) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail("gave up waiting")
        time.sleep(0.05)


def respawn(*command: str) -> subprocess.Popen:
    # Its own session and process group, as honcho starts each Procfile line.
    return subprocess.Popen([str(RESPAWN), "--delay", "0.1", *command], start_new_session=True,
                            stderr=subprocess.PIPE, text=True)


@pytest.fixture
def service(tmp_path):
    started = tmp_path / "starts"
    proc = respawn(sys.executable, "-c", SERVICE, str(started))
    yield proc, started
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_command_that_is_killed_is_started_again(service):
    proc, started = service
    wait_for(lambda: len(starts(started)) == 1)
    os.kill(starts(started)[0], signal.SIGKILL)  # the worker dies
    wait_for(lambda: len(starts(started)) == 2)
    assert proc.poll() is None


def test_a_command_that_exits_is_started_again_whatever_its_status(tmp_path):
    runs = tmp_path / "runs"
    proc = respawn("sh", "-c", f'echo $$ >> "{runs}"; exit 3')
    try:
        wait_for(lambda: len(starts(runs)) >= 3)
        assert proc.poll() is None
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=PATIENCE_SECONDS)
    assert "exited with status 3" in proc.stderr.read()


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_stop_signal_to_the_process_group_ends_the_command_and_the_loop(service, sig, status):
    proc, started = service
    wait_for(lambda: len(starts(started)) == 1)
    os.killpg(proc.pid, sig)  # honcho on Ctrl-C (SIGTERM), or a terminal's Ctrl-C (SIGINT)
    assert proc.wait(timeout=PATIENCE_SECONDS) == status
    assert len(starts(started)) == 1  # the command shut down cleanly and was not started again


def test_the_demo_runs_worker_and_beat_under_respawn_and_web_alone():
    lines = dict(line.split(": ", 1) for line in (RESPAWN.parent.parent / "Procfile.dev").read_text().splitlines()
                 if line.strip())
    assert lines["worker"].startswith("bin/respawn celery -A wms worker ")
    assert lines["beat"].startswith("bin/respawn celery -A wms beat ")
    # A web server that cannot start (the port is taken) should stop the demo with its message, not loop.
    assert not lines["web"].startswith("bin/respawn")
