"""Webhook intake over real HTTP: gunicorn (G workers) on a loopback port against PostgreSQL; M client threads
fire N signed outbound-create pushes (unique order numbers) in each wire profile (``contract``, ``v20210901``).
Prints requests/s, p50/p99 latency, and the same for a floor measured in the same run: a bare DRF view inserting
one row (bench/urls_bench.py), same server, same client load. Goal: ratio >= 0.5.

It also counts, in process, the SQL statements, savepoints and commits of one push and one floor request, and times
one database round trip (``SELECT 1``) on this machine: on loopback PostgreSQL the push's cost is mostly its round
trips.

The broker is Redis (``BENCH_BROKER_URL``, default redis://127.0.0.1:6379/10) as in production, with no worker:
the v20210901 profile's allocation after the answer is queued, not run (bench/burst.py runs a worker).

    .venv/bin/python bench/webhook_intake.py [--requests 600] [--clients 8] [--workers 3] [--rounds 3]
                                             [--profile contract --profile v20210901]
"""

import argparse
import json
import os
import secrets
import statistics
import time

from _server import broker_purge, fire, free_port, gunicorn_serving, round_trips_counted, rounds_merge

from _setup import ROOT, django_setup

PUSH_PATH = "/api/onewarehouse/outbound-orders"
FLOOR_PATH = "/bench/floor"
PROFILES = ("contract", "v20210901")


def seed(skus: int, orders: int) -> list[str]:
    from django.db import connection

    from simulators.onewarehouse.payloads import EXAMPLE_OWNER_CODE, EXAMPLE_WAREHOUSE_CODE
    from tests.factories import ProductFactory
    from wms.catalog.services import owner_get_or_create
    from wms.core.actors import actor_system
    from wms.inventory.services import StockLine, stock_receive, warehouse_get_or_create

    warehouse = warehouse_get_or_create(code=EXAMPLE_WAREHOUSE_CODE)
    owner = owner_get_or_create(owner_code=EXAMPLE_OWNER_CODE)
    items = ProductFactory.create_batch(skus, owner=owner)
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(p.pk, orders * 3) for p in items],
                  reference_type="bench", reference_number="BENCH", actor=actor_system("bench"))
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_intake_floor (id bigserial PRIMARY KEY, body text NOT NULL)")
    return [p.sku_id for p in items]


def push_bodies(*, profile: str, prefix: str, skus: list[str], count: int) -> list[bytes]:
    from integrations.onewarehouse.profiles import PROFILES as WIRE_PROFILES
    from simulators.onewarehouse.payloads import Item, PushKind, outbound_create_data, render

    def body(n: int) -> bytes:
        items = [Item(skus[n % len(skus)], 1), Item(skus[(n + 7) % len(skus)], 2)]
        facts = outbound_create_data(outbound_order_no=f"{prefix}-{n:06d}", items=items)
        return json.dumps(render(PushKind.OUTBOUND_CREATE, facts, profile=WIRE_PROFILES[profile])).encode()

    return [body(n) for n in range(count)]


def accepted_in(profile: str):
    from integrations.onewarehouse.profiles import PROFILES as WIRE_PROFILES

    envelope = WIRE_PROFILES[profile].envelope

    def accepted(response) -> bool:
        try:
            return response.status_code == 200 and envelope.business_code(response.json()) == 0
        except ValueError:
            return False

    return accepted


def statements_per_request(*, profile: str, push: bytes, headers: dict):
    """What one push and one floor request send to the database (``_server.RoundTrips`` each), and the median time of
    one ``SELECT 1`` round trip in microseconds."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings

    client = Client()
    with override_settings(ROOT_URLCONF="bench.urls_bench", ONEWAREHOUSE_PROFILE=profile):
        with round_trips_counted(connection) as pushed:
            answer = client.post(PUSH_PATH, data=push, content_type="application/json", headers=headers)
        assert accepted_in(profile)(answer), answer.content
        with round_trips_counted(connection) as floored:
            client.post(FLOOR_PATH, data=b"{}", content_type="application/json")
    times = []
    with connection.cursor() as cursor:
        for _ in range(200):
            started = time.perf_counter()
            cursor.execute("SELECT 1")
            cursor.fetchall()
            times.append(time.perf_counter() - started)
    return pushed, floored, statistics.median(times) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--skus", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3, help="alternate pushes and floor this many times")
    parser.add_argument("--profile", action="append", choices=PROFILES,
                        help="wire profile to measure (repeatable; default: both)")
    parser.add_argument("--show-sql", action="store_true", help="print the statements of one push")
    args = parser.parse_args()
    profiles = args.profile or list(PROFILES)

    push_key, push_secret = f"bench-{secrets.token_hex(4)}", secrets.token_hex(16)
    # The same settings for gunicorn and for the in-process statement count.
    os.environ.update({
        "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "DJANGO_SECRET_KEY": secrets.token_hex(32), "ONEWAREHOUSE_ENV": "sandbox",
        "ONEWAREHOUSE_SANDBOX_PUSH_APP_KEY": push_key, "ONEWAREHOUSE_SANDBOX_PUSH_APP_SECRET": push_secret,
        "ONEWAREHOUSE_SIGNATURE_MODE": "md5", "LOG_LEVEL": "ERROR",
        "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/10"),
    })
    os.environ.setdefault("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/wms_bench")
    database_url = django_setup()
    skus = seed(args.skus, args.requests * len(profiles))

    from integrations.onewarehouse.auth import signed_headers
    from wms.outbound.models import OutboundOrder

    def signed(body: bytes) -> dict:
        return {"Content-Type": "application/json",
                **signed_headers(mode="md5", app_key=push_key, app_secret=push_secret,
                                 timestamp=str(int(time.time())), body=body)}

    run = secrets.token_hex(3).upper()
    print(f"gunicorn {args.workers} workers, {args.clients} clients, {args.requests} requests each "
          f"in {args.rounds} alternating rounds (rates: best round)")
    for profile in profiles:
        prefix = f"BENCH-{run}-{profile[:4].upper()}"
        pushes = push_bodies(profile=profile, prefix=prefix, skus=skus, count=args.requests)
        floors = [json.dumps({"n": n, "run": run, "profile": profile}).encode() for n in range(args.requests)]
        env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
               "PYTHONPATH": str(ROOT), "ONEWAREHOUSE_PROFILE": profile}
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        ours_runs, floor_runs = [], []
        with gunicorn_serving(port=port, workers=args.workers, env=env):
            for turn in range(args.rounds):  # interleaved, so that a noisy moment does not hit one side only
                ours_runs.append(fire(url=base + PUSH_PATH, bodies=pushes[turn::args.rounds], clients=args.clients,
                                      headers_for=signed, accepted=accepted_in(profile)))
                floor_runs.append(fire(url=base + FLOOR_PATH, bodies=floors[turn::args.rounds],
                                       clients=args.clients,
                                       headers_for=lambda body: {"Content-Type": "application/json"},
                                       accepted=lambda response: response.status_code == 200))
        ours, floor = rounds_merge(ours_runs), rounds_merge(floor_runs)

        probe = push_bodies(profile=profile, prefix=f"{prefix}-PROBE", skus=skus, count=1)[0]
        pushed, floored, round_trip_us = statements_per_request(profile=profile, push=probe, headers=signed(probe))
        created = OutboundOrder.objects.filter(outbound_order_no__startswith=f"{prefix}-").exclude(
            outbound_order_no__startswith=f"{prefix}-PROBE").count()
        print(f"[{profile}] outbound-create pushes: {ours['rate']:.1f} req/s, p50 {ours['p50']:.1f} ms, "
              f"p99 {ours['p99']:.1f} ms, {len(ours['failures'])} failures, {created} orders created")
        print(f"[{profile}] floor (DRF view, one INSERT): {floor['rate']:.1f} req/s, p50 {floor['p50']:.1f} ms, "
              f"p99 {floor['p99']:.1f} ms, {len(floor['failures'])} failures")
        print(f"[{profile}] ratio {ours['rate'] / floor['rate']:.3f} (goal >= 0.5)")
        print(f"[{profile}] per request: push {pushed}; floor {floored}; "
              f"one round trip (SELECT 1): {round_trip_us:.0f} us")
        if args.show_sql:
            for sql in pushed.sql:
                print("   ", sql[:160])
        for failure in (ours["failures"] + floor["failures"])[:5]:
            print(f"[{profile}] failure:", failure)
    broker_purge(os.environ["CELERY_BROKER_URL"])  # the allocations queued with no worker to run them


if __name__ == "__main__":
    main()
