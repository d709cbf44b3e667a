"""The processes of the embedded-broker stress test (tests/faults/test_embedded_broker.py).

As a Celery app (``celery -A tests.faults.broker_stress worker``) it is the project's app plus one task that
appends its id to a file; as a script (``python -m tests.faults.broker_stress publish ...``) it is a web process:
several threads publishing that task at once. Both read the broker from the environment, through the settings,
as the real processes do."""

import argparse
import os
import random
import sys
import threading
import time
import traceback

from wms.celery import app

RECORD_TASK = "tests.faults.broker_stress.record"


@app.task(name=RECORD_TASK)
def record(path: str, task_id: str) -> None:
    # A little work so that the worker's threads overlap; O_APPEND keeps each short line whole.
    time.sleep(random.uniform(0, 0.01))
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, f"{task_id}\n".encode())
    finally:
        os.close(fd)


def publish(*, record_path: str, prefix: str, threads: int, per_thread: int) -> int:
    """Publish ``threads * per_thread`` record tasks from ``threads`` threads at once; the number that failed."""
    failures = []
    start = threading.Barrier(threads)

    def run(thread_no: int) -> None:
        start.wait()
        for n in range(per_thread):
            task_id = f"{prefix}-{thread_no}-{n}"
            try:
                app.send_task(RECORD_TASK, args=[record_path, task_id])
            except Exception as exc:  # a refused publish is a lost task: reported, and the test fails
                failures.append(f"{task_id}: {exc!r}\n{traceback.format_exc()}")

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    for failure in failures:
        print("publish failed", failure, file=sys.stderr)
    return len(failures)


if __name__ == "__main__":
    import django

    django.setup()
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["publish"])
    parser.add_argument("--record", required=True)
    parser.add_argument("--prefix", required=True)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--per-thread", type=int, default=25)
    args = parser.parse_args()
    sys.exit(1 if publish(record_path=args.record, prefix=args.prefix, threads=args.threads,
                          per_thread=args.per_thread) else 0)
