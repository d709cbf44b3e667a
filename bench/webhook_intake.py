"""Webhook intake over real HTTP: gunicorn (G workers) on a loopback port against PostgreSQL; M client threads
fire N signed outbound-create pushes (unique order numbers). Prints requests/s, p50/p99 latency, and the same
for a floor measured in the same run: a bare DRF view inserting one row (bench/urls_bench.py), same server,
same client load. Goal: ratio >= 0.5.

It also counts, in process, the SQL statements one push and one floor request send, and times one database round
trip (``SELECT 1``) on this machine: on loopback PostgreSQL the push's cost is mostly its round trips.

    .venv/bin/python bench/webhook_intake.py [--requests 600] [--clients 8] [--workers 3] [--rounds 3]
"""

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from _setup import ROOT, django_setup

PUSH_PATH = "/api/onewarehouse/outbound-orders"
FLOOR_PATH = "/bench/floor"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(skus: int, orders: int) -> list[str]:
    from django.db import connection

    from simulators.onewarehouse.payloads import EXAMPLE_OWNER_CODE, EXAMPLE_WAREHOUSE_CODE
    from tests.factories import ProductFactory
    from wms.catalog.services import owner_get_or_create
    from wms.core.actors import actor_system
    from wms.inventory.services import StockLine, stock_receive, warehouse_get_or_create

    warehouse = warehouse_get_or_create(code=EXAMPLE_WAREHOUSE_CODE)
    owner_get_or_create(owner_code=EXAMPLE_OWNER_CODE)
    items = ProductFactory.create_batch(skus)
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(p.pk, orders * 3) for p in items],
                  reference_type="bench", reference_number="BENCH", actor=actor_system("bench"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_intake_floor (id bigserial PRIMARY KEY, body text NOT NULL)")
    return [p.sku_id for p in items]


def gunicorn_start(*, port: int, workers: int, env: dict) -> subprocess.Popen:
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "wms.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/api/schema/", timeout=2)
            return process
        except requests.ConnectionError as exc:
            if process.poll() is not None:
                raise SystemExit("gunicorn exited before serving") from exc
            time.sleep(0.2)
    gunicorn_stop(process)
    raise SystemExit("gunicorn did not start within 30 s")


def gunicorn_stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fire(*, url: str, bodies: list[bytes], clients: int, headers_for) -> dict:
    """Send every body from ``clients`` threads (a Session each); returns rate, latencies and failures."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    chunks = [bodies[i::clients] for i in range(clients)]

    def client(chunk):
        session = requests.Session()
        mine, bad = [], []
        for body in chunk:
            started = time.perf_counter()
            answer = session.post(url, data=body, headers=headers_for(body), timeout=60)
            mine.append(time.perf_counter() - started)
            if answer.status_code != 200 or answer.json().get("code") != 0:
                bad.append(f"{answer.status_code} {answer.text[:200]}")
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
    return {"rate": len(bodies) / elapsed, "latencies": latencies, "failures": failures}


def rounds_merge(runs: list[dict]) -> dict:
    """The best rate of the rounds (the least disturbed by the rest of the machine), latencies of all of them."""
    latencies = sorted(latency for run in runs for latency in run["latencies"])
    return {"rate": max(run["rate"] for run in runs), "p50": statistics.median(latencies) * 1000,
            "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "failures": [failure for run in runs for failure in run["failures"]]}


def statements_per_request(*, push: bytes, headers: dict) -> tuple[int, int, float]:
    """SQL statements of one push and of one floor request (Django's count: BEGIN/COMMIT not included), and the
    median time of one ``SELECT 1`` round trip in microseconds."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    client = Client()
    with override_settings(ROOT_URLCONF="bench.urls_bench"):
        with CaptureQueriesContext(connection) as pushed:
            answer = client.post(PUSH_PATH, data=push, content_type="application/json", headers=headers)
        assert answer.json().get("code") == 0, answer.content
        with CaptureQueriesContext(connection) as floored:
            client.post(FLOOR_PATH, data=b"{}", content_type="application/json")
    times = []
    with connection.cursor() as cursor:
        for _ in range(200):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            times.append(time.perf_counter() - started)
    return len(pushed.captured_queries), len(floored.captured_queries), statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternate pushes and floor this many times")
    args = parser.parse_args()

    push_key, push_secret = f"bench-{secrets.token_hex(4)}", secrets.token_hex(16)
    # The same settings for gunicorn and for the in-process statement count.
    os.environ.update({
        "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECRET_KEY": secrets.token_hex(32), "ONEWAREHOUSE_ENV": "sandbox",
        "ONEWAREHOUSE_SANDBOX_PUSH_APP_KEY": push_key, "ONEWAREHOUSE_SANDBOX_PUSH_APP_SECRET": push_secret,
        "ONEWAREHOUSE_SIGNATURE_MODE": "md5", "CELERY_BROKER_URL": "memory://", "LOG_LEVEL": "ERROR",
        # The figures in bench/README.md are of the contract profile (its envelope's code 0 is checked below).
        "ONEWAREHOUSE_PROFILE": "contract",
    })
    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wms_bench")
    database_url = django_setup()
    skus = seed(args.skus, args.requests)

    from integrations.onewarehouse.auth import signed_headers
    from simulators.onewarehouse.payloads import Item, outbound_create_payload

    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
           "PYTHONPATH": str(ROOT)}

    def signed(body: bytes) -> dict:
        return {"Content-Type": "application/json",
                **signed_headers(mode="md5", app_key=push_key, app_secret=push_secret,
                                 timestamp=str(int(time.time())), body=body)}

    run = secrets.token_hex(3).upper()
    pushes = [json.dumps(outbound_create_payload(
        outbound_order_no=f"BENCH-{run}-{n:06d}",
        items=[Item(skus[n % len(skus)], 1), Item(skus[(n + 7) % len(skus)], 2)])).encode()
        for n in range(args.requests)]
    floors = [json.dumps({"n": n, "run": run}).encode() for n in range(args.requests)]

    server = gunicorn_start(port=port, workers=args.workers, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        ours_runs, floor_runs = [], []
        for turn in range(args.rounds):  # interleaved, so that a noisy moment does not hit one side only
            ours_runs.append(fire(url=base + PUSH_PATH, bodies=pushes[turn::args.rounds], clients=args.clients,
                                  headers_for=signed))
            floor_runs.append(fire(url=base + FLOOR_PATH, bodies=floors[turn::args.rounds], clients=args.clients,
                                   headers_for=lambda body: {"Content-Type": "application/json"}))
        ours, floor = rounds_merge(ours_runs), rounds_merge(floor_runs)
    finally:
        gunicorn_stop(server)

    probe = json.dumps(outbound_create_payload(
        outbound_order_no=f"BENCH-{run}-PROBE", items=[Item(skus[0], 1), Item(skus[7 % len(skus)], 2)])).encode()
    push_statements, floor_statements, round_trip_us = statements_per_request(push=probe, headers=signed(probe))

    from wms.outbound.models import OutboundOrder

    created = (OutboundOrder.objects.filter(outbound_order_no__startswith=f"BENCH-{run}-")
               .exclude(outbound_order_no=f"BENCH-{run}-PROBE").count())
    print(f"gunicorn {args.workers} workers, {args.clients} clients, {args.requests} requests each "
          f"in {args.rounds} alternating rounds (rates: best round)")
    print(f"outbound-create pushes: {ours['rate']:.1f} req/s, p50 {ours['p50']:.1f} ms, p99 {ours['p99']:.1f} ms, "
          f"{len(ours['failures'])} failures, {created} orders created")
    print(f"floor (DRF view, one INSERT): {floor['rate']:.1f} req/s, p50 {floor['p50']:.1f} ms, "
          f"p99 {floor['p99']:.1f} ms, {len(floor['failures'])} failures")
    print(f"ratio {ours['rate'] / floor['rate']:.3f} (goal >= 0.5)")
    print(f"SQL statements per request (without BEGIN/COMMIT): push {push_statements}, floor {floor_statements}; "
          f"one round trip (SELECT 1): {round_trip_us:.0f} us")
    for failure in (ours["failures"] + floor["failures"])[:5]:
        print("failure:", failure)


if __name__ == "__main__":
    main()
