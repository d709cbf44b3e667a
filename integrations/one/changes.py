"""Change capture for the ONE sync: which products of a published warehouse ONE has not seen as they are now.

A stock move (``wms.inventory.signals.stock_levels_changed``) or a publication change of products
(``wms.catalog.signals.products_publication_changed``) writes one ``OneStockChange`` row per product and enabled
publication, in the transaction of the change itself: the change and its row commit together or not at all.
The receivers are connected in ``OneConfig.ready()``.

A row written again before it is sent is *re-armed* (its ``run`` emptied), not duplicated. A run takes up every
waiting row of its publication (``changes_claim``, a short transaction of its own, before it reads any stock), and
deletes exactly the rows it took up when it succeeds (``changes_consume``). A change committed after the claim
re-arms or inserts its row, which the claim did not see or which no longer names the run: it waits for the next
run. So every change is sent by a run that started after it committed, and no run deletes a change it did not
read. (An id cursor over rows would lose a row whose transaction drew its id early and committed late.)

Lock order (wms.core.db): a move writes its rows after its stock levels, in product order; the claim and the
consumption touch the rows of one publication, after locking the publication's publication row (the root).
"""

from django.db import connection

from wms.core.db import lock_for_update
from wms.core.statements import quoted, statement_text, table
from wms.inventory.models import StockLevel

from .models import OnePublication, OneStockChange, OneSyncRun


def _changes_write(*, publication_ids: list[int], product_ids_of) -> int:
    rows = [OneStockChange(publication_id=publication_id, product_id=product_id)
            for publication_id in sorted(publication_ids) for product_id in sorted(product_ids_of(publication_id))]
    if rows:
        # INSERT ... ON CONFLICT (publication, product) DO UPDATE SET run = NULL: a waiting row stays one row, a row a
        # run has taken up is re-armed for the next run.
        OneStockChange.objects.bulk_create(rows, update_conflicts=True, unique_fields=["publication", "product"],
                                           update_fields=["run"], batch_size=5000)
    return len(rows)


def _publications_enabled_sql() -> str:
    def build() -> str:
        meta = OnePublication._meta
        warehouse, enabled = (quoted(meta.get_field(name).column) for name in ("warehouse", "enabled"))
        return f"SELECT {quoted(meta.pk.column)} FROM {table(OnePublication)} WHERE {warehouse} = %s AND {enabled} = %s"

    return statement_text(("one_publications_enabled",), build)


def stock_levels_changed_capture(*, warehouse_id: int, product_ids: list[int], **_signal) -> int:
    """Receiver of ``stock_levels_changed``: the moved products wait for the warehouse's next ONE sync."""
    with connection.cursor() as cursor:  # every stock move asks: the text is built once (wms.core.statements)
        cursor.execute(_publications_enabled_sql(), [warehouse_id, True])
        publication_ids = [row[0] for row in cursor.fetchall()]
    return _changes_write(publication_ids=publication_ids, product_ids_of=lambda _publication_id: product_ids)


def products_publication_changed_capture(*, product_ids: list[int], **_signal) -> int:
    """Receiver of ``products_publication_changed``: in every enabled publication, the products with stock there
    wait for its next sync (which sends or removes them)."""
    publications = list(OnePublication.objects.filter(enabled=True).values_list("pk", "warehouse_id"))
    if not publications or not product_ids:
        return 0
    warehouse_of = dict(publications)
    stocked: dict[int, list[int]] = {}
    for warehouse_id, product_id in StockLevel.objects.filter(
            warehouse_id__in=set(warehouse_of.values()), product_id__in=product_ids).values_list(
            "warehouse_id", "product_id"):
        stocked.setdefault(warehouse_id, []).append(product_id)
    return _changes_write(publication_ids=list(warehouse_of),
                          product_ids_of=lambda publication_id: stocked.get(warehouse_of[publication_id], []))


def changes_claim(*, run: OneSyncRun) -> int:
    """Take up every change of the run's publication (those a failed run had taken up too). Call it in the
    transaction that locked the publication, before the run reads any stock. Returns how many."""
    rows = OneStockChange.objects.filter(publication_id=run.publication_id)
    # Locked first in product order, as a move writes them (no deadlock with a move re-arming several rows).
    list(lock_for_update(rows.order_by("product_id")).values_list("pk", flat=True))
    return rows.update(run=run)


def changes_consume(*, run: OneSyncRun) -> int:
    """The run succeeded: its changes are on ONE. Rows re-armed since the claim stay for the next run; ONE has
    missed their change only since after the claim (the run's start), not since their first capture."""
    consumed = OneStockChange.objects.filter(publication_id=run.publication_id, run=run).delete()[0]
    rearmed = OneStockChange.objects.filter(publication_id=run.publication_id, run__isnull=True,
                                            captured_at__lt=run.started_at)
    # Locked in product order first, as a move writes them (see changes_claim).
    if list(lock_for_update(rearmed.order_by("product_id")).values_list("pk", flat=True)):
        rearmed.update(captured_at=run.started_at)
    return consumed


def changes_forget(*, publication_id: int) -> int:
    """The publication is disabled or starts again from a baseline: no change of it is to be sent on its own."""
    return OneStockChange.objects.filter(publication_id=publication_id).delete()[0]
