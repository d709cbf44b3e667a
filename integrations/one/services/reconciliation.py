"""Reconciliation: ONE's stock read back (batched GETs) and compared with our available; "resync selected"."""

from collections.abc import Iterable

from django.utils import timezone

from wms.core.roles import Role, role_require

from .. import selectors
from ..client import OneClient, OneError
from ..models import OneReconciliation, OneStockDrift, OneSyncRun
from .runs import one_sync_start

RECONCILE_SKUS_PER_REQUEST = 100


def one_reconcile(*, publication_id: int) -> OneReconciliation:
    """Read the warehouse's flagged products back from ONE (batched GETs) and record every product whose
    ``largestQuantity`` differs from our available. A product ONE lacks counts as 0 there."""
    publication = selectors.publication_get(publication_id=publication_id)
    reconciliation = OneReconciliation.objects.create(publication=publication)
    checked = drifted = 0
    try:
        client = OneClient()
        for page in selectors.flagged_stock_pages(warehouse_id=publication.warehouse_id,
                                                  page_size=RECONCILE_SKUS_PER_REQUEST):
            found = client.stocks_get(skus=[sku for _pid, sku, _a in page], warehouses=[publication.one_warehouse_id])
            drifts = []
            for product_id, sku, available in page:
                entry = found.get(sku)
                stock = entry.in_warehouse(publication.one_warehouse_id) if entry else None
                theirs = stock.largest_quantity if stock else None
                difference = (theirs or 0) - available
                if difference != 0:
                    drifts.append(OneStockDrift(reconciliation=reconciliation, product_id=product_id, ours=available,
                                                theirs=theirs, difference=difference))
            OneStockDrift.objects.bulk_create(drifts)
            checked += len(page)
            drifted += len(drifts)
    except Exception as exc:  # never left RUNNING: failed with the reason; an error of ours goes on up as well
        reason = str(exc) if isinstance(exc, OneError) else f"{type(exc).__name__}: {exc}"
        OneReconciliation.objects.filter(pk=reconciliation.pk).update(
            status=OneReconciliation.Status.FAILED, checked=checked, drifted=drifted, error=reason[:4000],
            finished_at=timezone.now())
        if not isinstance(exc, OneError):
            raise
    else:
        OneReconciliation.objects.filter(pk=reconciliation.pk).update(
            status=OneReconciliation.Status.SUCCEEDED, checked=checked, drifted=drifted, finished_at=timezone.now())
    reconciliation.refresh_from_db()
    return reconciliation


def one_reconcile_fan_out() -> int:
    from ..tasks import one_reconcile_publication

    ids = selectors.publication_enabled_ids()
    for publication_id in ids:
        one_reconcile_publication.delay(publication_id)
    return len(ids)


def one_drift_resync(*, drift_ids: Iterable[int], actor) -> list[OneSyncRun]:
    """Staff's "resync selected": publish the drifted products again (per warehouse, one run each)."""
    role_require(actor=actor, roles=(Role.SUPERVISOR,), action="Resyncing stock to ONE")
    by_publication: dict[int, list[int]] = {}
    for publication_id, product_id in OneStockDrift.objects.filter(pk__in=list(drift_ids)).values_list(
            "reconciliation__publication_id", "product_id"):
        by_publication.setdefault(publication_id, []).append(product_id)
    return [
        one_sync_start(publication_id=publication_id, purpose=OneSyncRun.Purpose.RESYNC,
                       trigger=OneSyncRun.Trigger.ADMIN, product_ids=product_ids)
        for publication_id, product_ids in sorted(by_publication.items())
    ]
