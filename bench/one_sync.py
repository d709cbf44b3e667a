"""Benchmark: building ONE stock syncs of a large catalogue.

Seeds N flagged products (default 100,000) stocked in 2 warehouses in a throw-away database (Django's test database
for DATABASE_URL, or SQLite in memory by default), then times the build of a BASELINE run per warehouse (every
flagged product, chunked at ONE_MAX_LINES_PER_REQUEST) and of a CHANGES run (INCREMENTAL mode) after 10% moved
(through ``stock_receive``, so the change capture writes its rows as in production; the baseline's chunks are marked
sent, so ONE is taken to hold what they said).

Each build time is printed as a ratio to a floor measured in the same run on the same rows: one raw
``SELECT sku, on_hand - reserved`` and ``json.dumps`` of the resulting bodies. Also printed: peak Python memory
(tracemalloc) during the build, the number of SQL queries, in all and per chunk, and for the incremental run the
ratio of lines sent to products changed (1.0: each change once, nothing else). Nothing is sent: the outbox messages
are written but not handed to a broker.

    .venv/bin/python bench/one_sync.py [--products N] [--limit LINES]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wms_one .venv/bin/python bench/one_sync.py
"""

import argparse
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms.settings")

import django


class QueryCounter:
    """Counts every query, and apart those that read stock or write chunks (the ones that grow with the size)."""

    def __init__(self):
        self.count = 0
        self.scaling = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        if any(table in sql for table in ("inventory_stocklevel", "one_onesyncchunk", "one_oneheldstock",
                                          "one_onestockchange")):
            self.scaling += 1
        return execute(sql, params, many, context)


def seed(*, products: int, warehouses) -> None:
    from wms.catalog.models import Owner, Product
    from wms.inventory.models import StockLevel

    owner = Owner.objects.create(owner_code="BENCH", name="Bench")
    batch = 5000
    for start in range(0, products, batch):
        Product.objects.bulk_create([
            Product(sku_id=f"SKU-{n:08d}", name=f"Product {n}", owner=owner, sync_to_one=True)
            for n in range(start, min(start + batch, products))
        ])
    ids = list(Product.objects.order_by("pk").values_list("pk", flat=True))
    for warehouse in warehouses:
        for start in range(0, len(ids), batch):
            StockLevel.objects.bulk_create([
                StockLevel(product_id=pid, warehouse=warehouse, on_hand=10 + pid % 90, reserved=pid % 7,
                           damaged=pid % 3)
                for pid in ids[start:start + batch]
            ])


def floor_seconds(*, warehouse_id: int, limit: int, product_ids=None) -> float:
    """The least any build must do: read (sku, available) of the same rows and serialise them in bodies."""
    from django.db import connection

    from wms.catalog.models import Product
    from wms.inventory.models import StockLevel

    sql = (f"SELECT p.sku_id, s.on_hand - s.reserved FROM {StockLevel._meta.db_table} s "
           f"JOIN {Product._meta.db_table} p ON p.id = s.product_id "
           f"WHERE s.warehouse_id = %s AND p.sync_to_one ORDER BY s.product_id")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, [warehouse_id])
        rows = cursor.fetchall()
    if product_ids is not None:
        wanted = product_ids
        rows = [row for row in rows if row[0] in wanted]
    for start in range(0, len(rows), limit):
        json.dumps({"stocks": [{"id": sku, "quantity": qty, "sku": sku} for sku, qty in rows[start:start + limit]],
                    "stocksToRemove": []})
    return time.perf_counter() - started


def measure(label: str, build, floor, reset, *, changed: int = 0) -> dict:
    """Time ``build`` (best of two, no tracer running), then build again under tracemalloc for the peak;
    ``reset`` undoes a run between builds. ``changed``: products changed since the last run, if it is a tick."""
    from django.db import connection

    floor_s = min(floor() for _ in range(2))
    reset()
    counter = QueryCounter()
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        run = build()
    build_s = time.perf_counter() - started
    reset()
    started = time.perf_counter()
    build()  # best of two, as for the floor
    build_s = min(build_s, time.perf_counter() - started)
    reset()
    tracemalloc.start()
    build()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    per_chunk = counter.scaling / run.chunks_total if run.chunks_total else float("nan")
    sent = f"  sent/changed {run.lines / changed:4.2f}" if changed else ""
    print(f"{label:<34} {run.lines:>7} lines {run.chunks_total:>3} chunks  build {build_s:6.2f}s  "
          f"floor {floor_s:5.2f}s  ratio {build_s / floor_s:5.2f}{sent}  peak {peak / 2**20:6.1f} MiB  "
          f"queries {counter.count:>4} (stock reads + chunk writes {counter.scaling}: {per_chunk:.1f}/chunk)")
    return {"ratio": build_s / floor_s, "peak_mib": peak / 2**20, "queries": counter.count, "per_chunk": per_chunk,
            "sent_per_changed": run.lines / changed if changed else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=None, help="ONE_MAX_LINES_PER_REQUEST (default: the setting)")
    args = parser.parse_args()

    django.setup()
    from django.conf import settings
    from django.db import connection

    if args.limit:
        settings.ONE_MAX_LINES_PER_REQUEST = args.limit
    settings.DEBUG = False
    import wms.outbox.services as outbox_services

    outbox_services._task_enqueue = lambda *a, **k: None  # measure the build; nothing goes to a broker

    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        from django.db.models import F

        from integrations.one.models import OnePublication, OneSyncRun
        from integrations.one.services import one_publication_create, one_sync_start
        from integrations.one.services.runs import _run_close
        from integrations.one.services.sending import _chunk_sent
        from wms.catalog.models import Product
        from wms.core.actors import actor_system
        from wms.inventory.models import Warehouse
        from wms.inventory.services import StockLine, stock_receive

        warehouses = [Warehouse.objects.create(code=f"BENCH-{i}", name=f"Bench {i}") for i in (1, 2)]
        started = time.perf_counter()
        seed(products=args.products, warehouses=warehouses)
        print(f"{connection.vendor}: seeded {args.products} flagged products x {len(warehouses)} warehouses in "
              f"{time.perf_counter() - started:.1f}s; ONE_MAX_LINES_PER_REQUEST={settings.ONE_MAX_LINES_PER_REQUEST}")
        limit = settings.ONE_MAX_LINES_PER_REQUEST
        results = []

        def open_runs(publication):
            return OneSyncRun.objects.filter(publication=publication, status=OneSyncRun.Status.SENDING)

        def sender(publication):
            def reset():  # ONE takes every chunk of the open run: it then holds what they said
                for run in open_runs(publication):
                    for chunk_id in run.chunks.order_by("seq").values_list("pk", flat=True):
                        _chunk_sent(chunk_id=chunk_id, response={"status": 200}, attempt=1)
            return reset

        def failer(publication):
            def reset():  # the open run fails: the changes it took up wait for the next one
                for run in open_runs(publication):
                    _run_close(run_id=run.pk, status=OneSyncRun.Status.FAILED, error="bench")
            return reset

        for warehouse in warehouses:
            publication = one_publication_create(warehouse=warehouse, one_warehouse_id=warehouse.code,
                                                 actor=actor_system("bench"))
            results.append(measure(
                f"baseline {warehouse.code}",
                lambda m=publication: one_sync_start(publication_id=m.pk, purpose=OneSyncRun.Purpose.BASELINE),
                lambda w=warehouse: floor_seconds(warehouse_id=w.pk, limit=limit), sender(publication)))
            sender(publication)()

        warehouse = warehouses[0]
        publication = OnePublication.objects.get(warehouse=warehouse)
        moved = list(Product.objects.annotate(tenth=F("pk") % 10).filter(tenth=0).values_list("pk", "sku_id"))
        for start in range(0, len(moved), 5000):  # one unit more of each: its available changes
            stock_receive(warehouse_id=warehouse.pk, good=[StockLine(pid, 1) for pid, _ in moved[start:start + 5000]],
                          reference_type="bench", reference_number=f"B-{start}", actor=actor_system("bench"))
        moved_skus = {sku for _, sku in moved}
        results.append(measure(
            f"incremental {warehouse.code} (10% moved)",
            lambda: one_sync_start(publication_id=publication.pk, purpose=OneSyncRun.Purpose.CHANGES),
            lambda: floor_seconds(warehouse_id=warehouse.pk, limit=limit, product_ids=moved_skus),
            failer(publication), changed=len(moved)))
        worst = max(results, key=lambda r: r["ratio"])
        exact = [r["sent_per_changed"] for r in results if r["sent_per_changed"] is not None]
        print(f"worst ratio {worst['ratio']:.2f}; sent/changed {min(exact):.2f}..{max(exact):.2f}; "
              f"peak memory {max(r['peak_mib'] for r in results):.1f} MiB; "
              f"queries per chunk at most {max(r['per_chunk'] for r in results):.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
