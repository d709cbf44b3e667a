"""Admin list pages with 10k rows: the query count per page must not grow with the rows (a page of a few rows and
the same page with 10k rows make as many queries; an empty page may make fewer: a prefetch runs only for rows), and
the page time is printed as a ratio to a floor measured in the same run (fetching the same page of rows as plain dicts).

    .venv/bin/python bench/admin_changelists.py [--rows 10000] [--database-url postgres://...]
"""

import argparse
import time

from _setup import django_setup

PAGES = {
    "outbound orders": ("admin:outbound_outboundorder_changelist", "outbound.OutboundOrder"),
    "inbound orders": ("admin:inbound_inboundorder_changelist", "inbound.InboundOrder"),
    "stock levels": ("admin:inventory_stocklevel_changelist", "inventory.StockLevel"),
    "stock ledger": ("admin:inventory_stockmove_changelist", "inventory.StockMove"),
    "request log": ("admin:apilog_apiexchange_changelist", "apilog.ApiExchange"),
    "outbox": ("admin:outbox_outboxmessage_changelist", "outbox.OutboxMessage"),
}


def seed(rows: int, *, first: int = 0) -> None:
    """``rows`` more of each kind, numbered from ``first``."""
    from django.db import transaction

    from integrations.apilog.models import ApiExchange
    from tests.factories import ProductFactory
    from wms.catalog.services import owner_get_or_create
    from wms.core.actors import actor_system
    from wms.inbound.models import InboundOrder, InboundOrderLine
    from wms.inventory.services import StockLine, stock_receive, warehouse_get_or_create
    from wms.outbound.models import OutboundOrder, OutboundOrderLine
    from wms.outbox.models import OutboxMessage

    with transaction.atomic():
        warehouse = warehouse_get_or_create(code="BENCH-WH")
        owner = owner_get_or_create(owner_code="MERCHANT-A")
        products = ProductFactory.build_batch(rows, owner=owner)
        ProductFactory._meta.model.objects.bulk_create(products, batch_size=2000)
        products = list(ProductFactory._meta.model.objects.order_by("pk"))[-rows:]
        for start in range(0, rows, 2000):  # stock levels and ledger rows, through the service
            stock_receive(warehouse_id=warehouse.pk, good=[StockLine(p.pk, 5) for p in products[start:start + 2000]],
                          reference_type="bench", reference_number="BENCH", actor=actor_system("bench"))
        outbound = OutboundOrder.objects.bulk_create([
            OutboundOrder(outbound_order_no=f"OB-{n}", warehouse=warehouse, owner=owner, recipient_name="Bench",
                          recipient_country_code="TW", recipient_city="Taipei", recipient_address1="1 Road",
                          logistics_provider_code="TCAT") for n in range(first, first + rows)], batch_size=2000)
        OutboundOrderLine.objects.bulk_create([OutboundOrderLine(order=o, product=products[i], quantity=1)
                                               for i, o in enumerate(outbound)], batch_size=2000)
        inbound = InboundOrder.objects.bulk_create([
            InboundOrder(inbound_order_no=f"IB-{n}", order_type="PURCHASE", warehouse=warehouse, owner=owner)
            for n in range(first, first + rows)], batch_size=2000)
        InboundOrderLine.objects.bulk_create([InboundOrderLine(order=o, product=products[i], expected_qty=1)
                                              for i, o in enumerate(inbound)], batch_size=2000)
        ApiExchange.objects.bulk_create([
            ApiExchange(direction="IN", integration="onewarehouse", endpoint="outbound_create", method="POST",
                        url="/api/onewarehouse/outbound-orders", status_code=200, order_no=f"OB-{n}")
            for n in range(first, first + rows)], batch_size=2000)
        OutboxMessage.objects.bulk_create([
            OutboxMessage(kind=OutboxMessage.Kind.OUTBOUND_CALLBACK,
                          aggregate_type=OutboxMessage.Aggregate.OUTBOUND_ORDER, aggregate_id=str(n))
            for n in range(first, first + rows)], batch_size=2000)


def measure(client, url_name: str, model_label: str, repeat: int = 5) -> tuple[int, float, float]:
    from django.apps import apps
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    url = reverse(url_name)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    queries = len(ctx.captured_queries)
    started = time.perf_counter()
    for _ in range(repeat):
        client.get(url)
    page = (time.perf_counter() - started) / repeat
    model = apps.get_model(model_label)
    started = time.perf_counter()
    for _ in range(repeat):
        list(model.objects.order_by("-pk").values()[:100])
    floor = (time.perf_counter() - started) / repeat
    return queries, page, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    django_setup(database_url=args.database_url)

    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from django.conf import settings

    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    admin = get_user_model().objects.create_superuser("bench-admin", password="bench-only-pw")
    client = Client()
    client.force_login(admin)

    few = 3
    seed(few)
    small = {name: measure(client, *page)[0] for name, page in PAGES.items()}
    seed(args.rows - few, first=few)
    grew = []
    print(f"{'page':16} {'queries@' + str(few):>9} {'queries@' + str(args.rows):>12} {'page ms':>8} {'floor ms':>8} "
          f"{'ratio':>7}")
    for name, page in PAGES.items():
        queries, page_s, floor_s = measure(client, *page)
        if queries != small[name]:
            grew.append(name)
        print(f"{name:16} {small[name]:9d} {queries:12d} {page_s * 1000:8.1f} {floor_s * 1000:8.2f} "
              f"{floor_s / page_s:7.3f}")
    if grew:
        raise SystemExit(f"query count grew with rows on: {', '.join(grew)}")


if __name__ == "__main__":
    main()
