"""A flash sale's burst, as in production: gunicorn + PostgreSQL + a Celery worker on Redis. C client threads
fire N signed outbound-create pushes (unique order numbers) as fast as they are answered; the worker allocates the
orders after their answer (profile v20210901; with ``--profile contract`` the answer carries the allocation).

Prints: failures (must be 0), the answer's p50/p99, each order's push-to-allocated time (from the push being sent
to the order leaving CREATED, ALLOCATED or BACKORDERED: p50/p99/max, and whether every order got there within
``--within`` seconds), the peak of PostgreSQL connections to the bench database, and the same burst fired at the
floor (bench/urls_bench.py: a bare DRF view inserting one row) on the same server: its rate, p50/p99 and peak.

    .venv/bin/python bench/burst.py [--pushes 5000] [--clients 32] [--workers 4] [--worker-concurrency 2]
                                    [--within 60] [--profile v20210901]

The broker is ``BENCH_BROKER_URL`` (default redis://127.0.0.1:6379/10), purged before and after; the database is
``BENCH_DATABASE_URL`` (default postgres://postgres@127.0.0.1:5432/wms_bench_burst), dropped and created again.
"""

import argparse
import os
import secrets
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from _server import broker_purge, fire, free_port, gunicorn_serving, percentile, process_running
from webhook_intake import FLOOR_PATH, PUSH_PATH, accepted_in, push_bodies, seed

from _setup import ROOT, django_setup


class ConnectionPeak:
    """Polls pg_stat_activity for the connections to one database; ``peak`` is the most seen."""

    def __init__(self, admin_dsn: str, database: str, interval: float = 0.05):
        self.admin_dsn, self.database, self.interval = admin_dsn, database, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        import psycopg

        with psycopg.connect(self.admin_dsn, autocommit=True) as conn:
            while not self._stop.is_set():
                (count,) = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                        [self.database]).fetchone()
                self.peak = max(self.peak, count)
                self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5)


def worker_ready_wait(within: float = 90) -> None:
    """Until the Celery worker answers a ping: the burst must not time the worker's start."""
    from wms.celery import app

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if app.control.ping(timeout=1):
            return
    raise SystemExit(f"the Celery worker did not answer within {within:.0f} s (see var/bench/burst-worker.log)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pushes", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--worker-concurrency", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--skus", type=int, default=50)
    parser.add_argument("--within", type=float, default=60.0,
                        help="seconds from its push by which every order must be allocated or backordered")
    parser.add_argument("--profile", choices=("v20210901", "contract"), default="v20210901")
    args = parser.parse_args()

    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/10")
    push_key, push_secret = f"bench-{secrets.token_hex(4)}", secrets.token_hex(16)
    os.environ.update({
        "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECRET_KEY": secrets.token_hex(32), "ONEWAREHOUSE_ENV": "sandbox",
        "ONEWAREHOUSE_SANDBOX_PUSH_APP_KEY": push_key, "ONEWAREHOUSE_SANDBOX_PUSH_APP_SECRET": push_secret,
        "ONEWAREHOUSE_SIGNATURE_MODE": "md5", "LOG_LEVEL": "ERROR", "CELERY_BROKER_URL": broker,
        "ONEWAREHOUSE_PROFILE": args.profile,
    })
    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wms_bench_burst")
    database_url = django_setup()
    # Stock for about 80% of the demand (each sku is asked 3 units per ``skus`` orders; seed gives 3 units per
    # "order" it is told): the rest is backordered, as in a sale that sells out.
    skus = seed(args.skus, max(1, int(args.pushes * 0.8 / args.skus)))
    purged = broker_purge(broker)

    from urllib.parse import urlsplit, urlunsplit

    from integrations.onewarehouse.auth import signed_headers
    from wms.outbound.models import OutboundOrder

    parts = urlsplit(database_url)
    database = parts.path.lstrip("/")
    admin_dsn = urlunsplit(parts._replace(path="/postgres")).replace("postgres://", "postgresql://", 1)

    def signed(body: bytes) -> dict:
        return {"Content-Type": "application/json",
                **signed_headers(mode="md5", app_key=push_key, app_secret=push_secret,
                                 timestamp=str(int(time.time())), body=body)}

    run = secrets.token_hex(3).upper()
    prefix = f"BURST-{run}"
    bodies = push_bodies(profile=args.profile, prefix=prefix, skus=skus, count=args.pushes)
    number_of = {body: f"{prefix}-{n:06d}" for n, body in enumerate(bodies)}
    sent_at: dict[str, float] = {}  # order number -> wall-clock time its push was sent

    def on_answer(body: bytes, sent: float, answered: float) -> None:
        sent_at[number_of[body]] = time.time() - (time.perf_counter() - sent)

    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
           "PYTHONPATH": str(ROOT)}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    worker_log = ROOT / "var" / "bench" / "burst-worker.log"
    worker_log.parent.mkdir(parents=True, exist_ok=True)
    worker = [str(Path(sys.executable).parent / "celery"), "-A", "wms", "worker", "--loglevel", "WARNING",
              "--concurrency", str(args.worker_concurrency), "--without-gossip", "--without-mingle",
              "--without-heartbeat"]
    settled_wait = max(args.within * 2, 120.0)
    with gunicorn_serving(port=port, workers=args.workers, env=env), process_running(worker, env=env,
                                                                                     log_path=worker_log):
        worker_ready_wait()
        with ConnectionPeak(admin_dsn, database) as peak:
            burst = fire(url=base + PUSH_PATH, bodies=bodies, clients=args.clients, headers_for=signed,
                         accepted=accepted_in(args.profile), on_answer=on_answer)
            # Every order out of CREATED (allocated or backordered), or the wait gives up.
            deadline = time.monotonic() + settled_wait
            orders = OutboundOrder.objects.filter(outbound_order_no__startswith=f"{prefix}-")
            while time.monotonic() < deadline and orders.filter(status=OutboundOrder.Status.CREATED).exists():
                time.sleep(0.2)
            drained = time.time()
        burst_peak = peak.peak

        floor_bodies = [f'{{"n": {n}, "run": "{run}"}}'.encode() for n in range(args.pushes)]
        with ConnectionPeak(admin_dsn, database) as floor_peak:
            floor = fire(url=base + FLOOR_PATH, bodies=floor_bodies, clients=args.clients,
                         headers_for=lambda body: {"Content-Type": "application/json"},
                         accepted=lambda response: response.status_code == 200)
    broker_purge(broker)

    states = dict(orders.values_list("outbound_order_no", "status"))
    settled_at = dict(orders.exclude(status=OutboundOrder.Status.CREATED).values_list("outbound_order_no",
                                                                                        "updated_at"))
    to_allocated = [settled_at[no].timestamp() - sent_at[no] for no in settled_at if no in sent_at]
    counts = {status: list(states.values()).count(status) for status in sorted(set(states.values()))}
    late = sum(1 for seconds in to_allocated if seconds > args.within)
    unsettled = len(states) - len(settled_at)

    print(f"burst: {args.pushes} pushes ({args.profile}), {args.clients} clients, gunicorn {args.workers} workers, "
          f"Celery worker x{args.worker_concurrency} on {broker} ({purged} stale messages purged)")
    print(f"answers: {burst['rate']:.1f} pushes/s over {burst['elapsed']:.1f} s, "
          f"p50 {statistics.median(burst['latencies']) * 1000:.1f} ms, "
          f"p99 {percentile(burst['latencies'], 0.99) * 1000:.1f} ms, {len(burst['failures'])} failures")
    if to_allocated:
        print(f"push-to-allocated: p50 {statistics.median(to_allocated) * 1000:.0f} ms, "
              f"p99 {percentile(to_allocated, 0.99) * 1000:.0f} ms, max {max(to_allocated):.1f} s; "
              f"queue drained {drained - max(sent_at.values()):.1f} s after the last push")
    print(f"orders: {counts}; {unsettled} still CREATED, {late} settled later than {args.within:.0f} s "
          f"-> {'OK' if not (unsettled or late or burst['failures']) else 'NOT MET'}")
    print(f"peak PostgreSQL connections: {burst_peak} during the burst, {floor_peak.peak} during the floor's")
    print(f"floor, same burst: {floor['rate']:.1f} req/s, p50 {statistics.median(floor['latencies']) * 1000:.1f} ms, "
          f"p99 {percentile(floor['latencies'], 0.99) * 1000:.1f} ms, {len(floor['failures'])} failures "
          f"-> answers at {burst['rate'] / floor['rate']:.3f} of the floor's rate")
    print(f"run finished {datetime.now(UTC):%H:%M:%S} UTC")
    for failure in (burst["failures"] + floor["failures"])[:5]:
        print("failure:", failure)


if __name__ == "__main__":
    main()
