"""Reads for the ONE sync: what ONE holds, what changed, and the stock to publish, page by page.

Every read of stock is a keyset page (one query per page, never one per product) of at most ``page_size`` rows.
"""

from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from wms.inventory.models import StockLevel

from .models import OneHeldStock, OnePublication, OneReconciliation, OneStockChange, OneStockDrift, OneSyncRun


def read_page_size() -> int:
    # 10,000 keeps one read per request at the default limit and stays under SQLite's 32,766 parameters.
    return max(1, min(settings.ONE_MAX_LINES_PER_REQUEST, 10_000))


def one_sku_expression(prefix: str = ""):
    """A product's id on ONE: its ``one_sku``, or its ``sku_id`` when that is empty."""
    return Coalesce(NullIf(f"{prefix}one_sku", Value("")), f"{prefix}sku_id")


def flagged_stock_count(*, warehouse_id: int) -> int:
    return StockLevel.objects.filter(warehouse_id=warehouse_id, product__sync_to_one=True).count()


def flagged_stock_pages(*, warehouse_id: int, page_size: int | None = None) -> Iterator[list[tuple[int, str, int]]]:
    """Every flagged product with stock here as (product_id, ONE sku, available), in product order, by pages."""
    page_size = page_size or read_page_size()
    last = 0
    while True:
        rows = list(
            StockLevel.objects.filter(warehouse_id=warehouse_id, product__sync_to_one=True, product_id__gt=last)
            .annotate(one_id=one_sku_expression("product__"))
            .order_by("product_id").values_list("product_id", "one_id", "on_hand", "reserved")[:page_size]
        )
        if not rows:
            return
        yield [(pid, sku, on_hand - reserved) for pid, sku, on_hand, reserved in rows]
        last = rows[-1][0]
        if len(rows) < page_size:
            return


def stocked_one_sku_pages(*, warehouse_id: int, page_size: int | None = None) -> Iterator[list[tuple[int, str]]]:
    """Every product with a stock row here, flagged or not, as (product_id, ONE sku), by pages."""
    return _keyset_pages(StockLevel.objects.filter(warehouse_id=warehouse_id)
                         .annotate(one_id=one_sku_expression("product__")).values_list("product_id", "one_id"),
                         page_size=page_size)


def wanted_of(*, warehouse_id: int, product_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """What ONE should hold of ``product_ids`` here: {product_id: (ONE sku, available)} of the flagged ones with
    stock here (one query)."""
    rows = (StockLevel.objects.filter(warehouse_id=warehouse_id, product__sync_to_one=True, product_id__in=product_ids)
            .annotate(one_id=one_sku_expression("product__"))
            .values_list("product_id", "one_id", "on_hand", "reserved"))
    return {pid: (sku, on_hand - reserved) for pid, sku, on_hand, reserved in rows}


def held_of(*, publication_id: int, product_ids: Iterable[int]) -> dict[int, tuple[str, int]]:
    """What ONE holds of ``product_ids`` for the publication: {product_id: (ONE sku, quantity last sent)}."""
    return {pid: (sku, qty) for pid, sku, qty in OneHeldStock.objects.filter(
        publication_id=publication_id, product_id__in=product_ids).values_list("product_id", "one_sku", "quantity")}


def _keyset_pages(queryset, *, page_size: int | None = None) -> Iterator[list[tuple]]:
    """Rows of ``queryset`` (a values_list whose first column is ``product_id``) in product order, by pages."""
    page_size = page_size or read_page_size()
    last = 0
    while True:
        rows = list(queryset.filter(product_id__gt=last).order_by("product_id")[:page_size])
        if not rows:
            return
        yield rows
        last = rows[-1][0]
        if len(rows) < page_size:
            return


def held_pages(*, publication_id: int, page_size: int | None = None) -> Iterator[list[tuple[int, str, int]]]:
    """Every id ONE holds for the publication as (product_id, ONE sku, quantity), by pages."""
    return _keyset_pages(OneHeldStock.objects.filter(publication_id=publication_id)
                         .values_list("product_id", "one_sku", "quantity"), page_size=page_size)


def held_unwanted_pages(*, publication_id: int, warehouse_id: int,
                        page_size: int | None = None) -> Iterator[list[tuple[int, str, int]]]:
    """Ids ONE holds for the publication that it should not: the product is no longer published, has no stock row
    here, or is known to ONE by another sku now. (product_id, ONE sku held, quantity), by pages."""
    wanted = StockLevel.objects.filter(warehouse_id=warehouse_id, product_id=OuterRef("product_id"),
                                       product__sync_to_one=True)
    return _keyset_pages(
        OneHeldStock.objects.filter(publication_id=publication_id)
        .annotate(current=one_sku_expression("product__"))
        .filter(~Exists(wanted) | ~Q(one_sku=F("current")))
        .values_list("product_id", "one_sku", "quantity"), page_size=page_size)


def claimed_product_pages(*, run_id: int, page_size: int | None = None) -> Iterator[list[int]]:
    """The products whose changes the run took up, by pages."""
    for page in _keyset_pages(OneStockChange.objects.filter(run_id=run_id).values_list("product_id"),
                              page_size=page_size):
        yield [pid for (pid,) in page]


def changes_waiting_count(*, publication_id: int) -> int:
    """Changed products not yet on ONE (waiting, or taken up by a run that has not succeeded yet)."""
    return OneStockChange.objects.filter(publication_id=publication_id).count()


def run_seconds_left(*, run: OneSyncRun) -> int | None:
    """A sending run's time left, at the pace of its chunks so far; None when it cannot be told."""
    if run.status not in OneSyncRun.OPEN_STATUSES or not run.chunks_sent or run.chunks_sent >= run.chunks_total:
        return None
    elapsed = (timezone.now() - run.started_at).total_seconds()
    return round(elapsed / run.chunks_sent * (run.chunks_total - run.chunks_sent))


def publications_overview() -> list[OnePublication]:
    """Every publication with ``held`` (ids ONE holds) and ``waiting`` (changes not yet on ONE), in one query."""
    def count_of(model):
        return Coalesce(Subquery(model.objects.filter(publication_id=OuterRef("pk")).order_by().values("publication_id")
                                 .annotate(n=Count("pk")).values("n")), 0)

    return list(OnePublication.objects.select_related("warehouse")
                .annotate(held_ids=count_of(OneHeldStock), waiting=count_of(OneStockChange))
                .order_by("warehouse__code"))


def held_count(*, publication_id: int) -> int:
    return OneHeldStock.objects.filter(publication_id=publication_id).count()


def publication_get(*, publication_id: int) -> OnePublication:
    return OnePublication.objects.select_related("warehouse").get(pk=publication_id)


def publication_by_warehouse_code(*, code: str) -> OnePublication | None:
    return OnePublication.objects.select_related("warehouse").filter(warehouse__code=code).first()


def publication_enabled_ids() -> list[int]:
    return list(OnePublication.objects.filter(enabled=True).order_by("pk").values_list("pk", flat=True))


def publication_withdrawing_ids() -> list[int]:
    """Disabled publications ONE still holds ids of: their syncs withdraw them."""
    return list(OnePublication.objects.filter(enabled=False, held__isnull=False).distinct().order_by("pk")
                .values_list("pk", flat=True))


def run_unsent_message_id(*, run: OneSyncRun) -> int | None:
    """The outbox message of the run's first chunk not yet sent, if it is queued."""
    return (run.chunks.exclude(status="SENT").order_by("seq").values_list("outbox_message_id", flat=True).first())


def drift_of(*, reconciliation: OneReconciliation) -> list[OneStockDrift]:
    return list(reconciliation.drifts.select_related("product").order_by("product_id"))
