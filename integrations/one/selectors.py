"""Reads for the ONE sync: the ledger horizon, what changed, and the stock to publish, page by page.

Every read of stock is a keyset page (one query per page, never one per product) of at most ``page_size`` rows.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max

from wms.catalog.models import Product
from wms.inventory.models import StockLevel, StockMove

from .models import OneReconciliation, OneStockDrift, OneSyncRun, OneWarehouseMapping

# The database is asked to wait this long at most for stock transactions in flight (see stock_move_horizon).
HORIZON_LOCK_TIMEOUT = "10s"


def read_page_size() -> int:
    # 10,000 keeps one read per request at the default limit and stays under SQLite's 32,766 parameters.
    return max(1, min(settings.ONE_MAX_LINES_PER_REQUEST, 10_000))


def stock_move_horizon() -> int:
    """The highest ledger id below which every move is committed: the cursor a sync may advance to.

    On PostgreSQL an id is drawn at insert but visible at commit, so a move with a lower id can appear after a
    reader has seen a higher one; "id > cursor" alone would lose it for ever. ``LOCK TABLE ... IN SHARE MODE``
    conflicts with the lock every INSERT holds until its transaction ends, so it returns once every transaction that
    drew an id has committed or rolled back, and no new id is drawn while we read MAX(id). The lock is held for that
    one index read only. On SQLite, writers are serialised and ``transaction_mode=IMMEDIATE`` makes this atomic
    block wait for the writer in flight, to the same effect.

    Call it outside any transaction in production, so that the lock is released at once.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{HORIZON_LOCK_TIMEOUT}'")
                cursor.execute(f"LOCK TABLE {StockMove._meta.db_table} IN SHARE MODE")
        return StockMove.objects.aggregate(top=Max("id"))["top"] or 0


def moved_product_ids(*, warehouse_id: int, after: int, upto: int) -> set[int]:
    """Products with a ledger move in ``(after, upto]``: many moves of one product are one id."""
    return set(
        StockMove.objects.filter(warehouse_id=warehouse_id, id__gt=after, id__lte=upto)
        .order_by().values_list("product_id", flat=True).distinct()
    )


def flagged_since_ids(*, warehouse_id: int, since: datetime) -> set[int]:
    """Flagged products with stock here whose row changed since ``since`` (e.g. flagged again)."""
    return set(StockLevel.objects.filter(warehouse_id=warehouse_id, product__updated_at__gte=since,
                                         product__sync_to_one=True).values_list("product_id", flat=True))


def unflagged_since_skus(*, warehouse_id: int, since: datetime) -> list[str]:
    """Products with stock here, not flagged, whose row changed since ``since``: to remove from ONE."""
    return list(StockLevel.objects.filter(warehouse_id=warehouse_id, product__updated_at__gte=since,
                                          product__sync_to_one=False)
                .order_by("product_id").values_list("product__sku_id", flat=True))


def product_changed_since(*, warehouse_id: int, since: datetime) -> bool:
    return StockLevel.objects.filter(warehouse_id=warehouse_id, product__updated_at__gte=since).exists()


def moved_since(*, warehouse_id: int, after: int, upto: int) -> bool:
    return StockMove.objects.filter(warehouse_id=warehouse_id, id__gt=after, id__lte=upto).exists()


def flagged_stock_count(*, warehouse_id: int) -> int:
    return StockLevel.objects.filter(warehouse_id=warehouse_id, product__sync_to_one=True).count()


def stocked_product_count(*, warehouse_id: int) -> int:
    return StockLevel.objects.filter(warehouse_id=warehouse_id).count()


def flagged_stock_pages(*, warehouse_id: int, page_size: int | None = None) -> Iterator[list[tuple[int, str, int]]]:
    """Every flagged product with stock here as (product_id, sku_id, available), in product order, by pages."""
    page_size = page_size or read_page_size()
    last = 0
    while True:
        rows = list(
            StockLevel.objects.filter(warehouse_id=warehouse_id, product__sync_to_one=True, product_id__gt=last)
            .order_by("product_id").values_list("product_id", "product__sku_id", "on_hand", "reserved")[:page_size]
        )
        if not rows:
            return
        yield [(pid, sku, on_hand - reserved) for pid, sku, on_hand, reserved in rows]
        last = rows[-1][0]
        if len(rows) < page_size:
            return


def stocked_sku_pages(*, warehouse_id: int, page_size: int | None = None) -> Iterator[list[str]]:
    """The sku of every product with a stock row here (flagged or not): all we may have published."""
    page_size = page_size or read_page_size()
    last = 0
    while True:
        rows = list(
            StockLevel.objects.filter(warehouse_id=warehouse_id, product_id__gt=last)
            .order_by("product_id").values_list("product_id", "product__sku_id")[:page_size]
        )
        if not rows:
            return
        yield [sku for _, sku in rows]
        last = rows[-1][0]
        if len(rows) < page_size:
            return


def flagged_stock_of(*, warehouse_id: int, product_ids: Iterable[int],
                     page_size: int | None = None) -> Iterator[list[tuple[int, str, int]]]:
    """(product_id, sku_id, available) of the flagged ones among ``product_ids`` with stock here, by pages."""
    page_size = page_size or read_page_size()
    ids = sorted(set(product_ids))
    for start in range(0, len(ids), page_size):
        page = ids[start:start + page_size]
        rows = (
            StockLevel.objects.filter(warehouse_id=warehouse_id, product__sync_to_one=True, product_id__in=page)
            .order_by("product_id").values_list("product_id", "product__sku_id", "on_hand", "reserved")
        )
        found = [(pid, sku, on_hand - reserved) for pid, sku, on_hand, reserved in rows]
        if found:
            yield found


def unflagged_skus_of(*, product_ids: Iterable[int]) -> list[str]:
    return list(Product.objects.filter(pk__in=set(product_ids), sync_to_one=False)
                .order_by("pk").values_list("sku_id", flat=True))


def mapping_get(*, mapping_id: int) -> OneWarehouseMapping:
    return OneWarehouseMapping.objects.select_related("warehouse").get(pk=mapping_id)


def mapping_by_warehouse_code(*, code: str) -> OneWarehouseMapping | None:
    return OneWarehouseMapping.objects.select_related("warehouse").filter(warehouse__code=code).first()


def mapping_enabled_ids() -> list[int]:
    return list(OneWarehouseMapping.objects.filter(enabled=True).order_by("pk").values_list("pk", flat=True))


def run_unsent_message_id(*, run: OneSyncRun) -> int | None:
    """The outbox message of the run's first chunk not yet sent, if it is queued."""
    return (run.chunks.exclude(status="SENT").order_by("seq").values_list("outbox_message_id", flat=True).first())


def drift_of(*, reconciliation: OneReconciliation) -> list[OneStockDrift]:
    return list(reconciliation.drifts.select_related("product").order_by("product_id"))
