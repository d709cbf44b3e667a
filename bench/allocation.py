"""Concurrent allocation on PostgreSQL: W worker processes create and allocate N outbound orders in all, racing
for scarce stock. Prints orders/s, the ratio to a floor measured in the same run, and the oversell count (must be 0).

The floor is the least a correct allocator can do per order: one guarded UPDATE of the level
(``reserved = reserved + q WHERE on_hand - reserved >= q``) and one INSERT, by the same workers on the same rows.

    .venv/bin/python bench/allocation.py [--workers 8] [--orders 1000] [--products 20]
"""

import argparse
import multiprocessing
import os
import random
import time

from _server import round_trips_counted

from _setup import django_setup


def seed(products: int, stock_each: int):
    from tests.factories import ProductFactory
    from wms.core.actors import actor_system
    from wms.inventory.services import StockLine, stock_receive, warehouse_get_or_create

    warehouse = warehouse_get_or_create(code="BENCH-WH")
    items = ProductFactory.create_batch(products)
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(p.pk, stock_each) for p in items],
                  reference_type="bench", reference_number="BENCH", actor=actor_system("bench"))
    return warehouse, [p.sku_id for p in items]


def order_lines(rng: random.Random, skus: list[str]) -> list[dict]:
    return [{"sku_id": sku, "quantity": rng.randint(1, 3)} for sku in rng.sample(skus, rng.randint(1, 3))]


def ours(worker: int, count: int, skus: list[str], queue) -> None:
    from django.db import connection

    from wms.core.actors import actor_system
    from wms.outbound.services import outbound_order_create

    rng = random.Random(worker)
    started = time.perf_counter()
    for n in range(count):
        outbound_order_create(
            outbound_order_no=f"B-{worker}-{n}", warehouse_code="BENCH-WH", owner_code="MERCHANT-A",
            items=order_lines(rng, skus),
            recipient={"name": "Bench", "country_code": "TW", "city": "Taipei", "address1": "1 Road"},
            logistics={"provider_code": "TCAT"}, actor=actor_system("bench"),
        )
    queue.put(time.perf_counter() - started)
    connection.close()


def floor(worker: int, count: int, level_ids: list[int], queue) -> None:
    from django.db import connection, transaction

    rng = random.Random(worker)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for n in range(count):
            with transaction.atomic():
                for level_id in sorted(rng.sample(level_ids, rng.randint(1, 3))):  # pk order: no deadlock
                    q = rng.randint(1, 3)
                    cursor.execute("UPDATE inventory_stocklevel SET reserved = reserved + %s "
                                   "WHERE id = %s AND on_hand - reserved >= %s", [q, level_id, q])
                cursor.execute("INSERT INTO bench_floor (worker, n) VALUES (%s, %s)", [worker, n])
    queue.put(time.perf_counter() - started)
    connection.close()


def run_workers(target, workers: int, per_worker: int, arg) -> float:
    from django.db import connections

    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=target, args=(w, per_worker, arg, queue)) for w in range(workers)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    for p in procs:
        p.join()
        if p.exitcode:
            raise SystemExit(f"a worker failed with exit code {p.exitcode}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--orders", type=int, default=1000, help="orders in all, shared by the workers")
    parser.add_argument("--products", type=int, default=20)
    args = parser.parse_args()
    # The workers are forked: a connection pool's connections would be inherited and shared by every child (each
    # then says "connection in transaction status INTRANS"). Without the pool each process opens its own.
    os.environ["DATABASE_POOL_MAX_SIZE"] = "0"
    django_setup()

    from django.db import connection
    from django.db.models import F, Sum

    from wms.inventory.models import StockLevel
    from wms.inventory.selectors import stock_ledger_drift
    from wms.outbound.models import OutboundOrder, OutboundOrderLine

    per_worker = args.orders // args.workers
    total = per_worker * args.workers
    # Scarce stock: about half of the demand can be met, so allocation races on the last units.
    stock_each = max(1, int(total * 2 * 2 / args.products / 2))
    warehouse, skus = seed(args.products, stock_each)
    level_ids = list(StockLevel.objects.filter(warehouse=warehouse).values_list("pk", flat=True))

    ours_s = run_workers(ours, args.workers, per_worker, skus)

    oversold = StockLevel.objects.filter(reserved__gt=F("on_hand")).count()
    line_reserved = OutboundOrderLine.objects.aggregate(s=Sum("reserved_qty"))["s"] or 0
    level_reserved = StockLevel.objects.filter(warehouse=warehouse).aggregate(s=Sum("reserved"))["s"] or 0
    allocated = OutboundOrder.objects.filter(status="ALLOCATED").count()
    backordered = OutboundOrder.objects.filter(status="BACKORDERED").count()
    drift = len(stock_ledger_drift())

    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_floor (id bigserial PRIMARY KEY, worker int, n int)")
        cursor.execute("UPDATE inventory_stocklevel SET reserved = 0")
    # What one order that gets its stock costs the database (the levels were just emptied of reservations).
    from wms.core.actors import actor_system
    from wms.outbound.services import outbound_order_create

    with round_trips_counted(connection) as one:
        outbound_order_create(
            outbound_order_no="B-PROBE", warehouse_code="BENCH-WH", owner_code="MERCHANT-A",
            items=order_lines(random.Random(0), skus), recipient={"name": "Bench", "country_code": "TW",
                                                                  "city": "Taipei", "address1": "1 Road"},
            logistics={"provider_code": "TCAT"}, actor=actor_system("bench"))
    assert OutboundOrder.objects.get(outbound_order_no="B-PROBE").status == "ALLOCATED"
    with connection.cursor() as cursor:
        cursor.execute("UPDATE inventory_stocklevel SET reserved = 0")
    floor_s = run_workers(floor, args.workers, per_worker, level_ids)

    ours_rate, floor_rate = total / ours_s, total / floor_s
    print(f"workers={args.workers} orders={total} products={args.products} stock_each={stock_each}")
    print(f"ours:  {ours_rate:8.1f} orders/s  ({allocated} allocated, {backordered} backordered)")
    print(f"floor: {floor_rate:8.1f} orders/s  (guarded UPDATE + INSERT per order, same workers)")
    print(f"ratio: {ours_rate / floor_rate:.3f}")
    print(f"one order (create + allocate): {one}")
    print(f"oversells: {oversold}  line/level reserved mismatch: {line_reserved - level_reserved}  "
          f"ledger drift: {drift}")
    if oversold or line_reserved != level_reserved or drift:
        raise SystemExit("INVARIANT BROKEN")


if __name__ == "__main__":
    main()
