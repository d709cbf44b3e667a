
from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce

from wms.core.errors import DomainValidationError

from .models import StockLevel, StockMove, Warehouse


def _bucket_sum(bucket: str):
    kinds = [kind for kind, buckets in StockMove.BUCKETS.items() if bucket in buckets]
    return Coalesce(Sum("quantity", filter=Q(kind__in=kinds)), Value(0))


def stock_ledger_drift() -> list[dict]:
    """Every product x warehouse whose level differs from the sum of its ledger moves (empty: all in step)."""
    ledger = {
        (row["product_id"], row["warehouse_id"]): row
        for row in StockMove.objects.order_by()
        .values("product_id", "warehouse_id")
        .annotate(on_hand=_bucket_sum("on_hand"), reserved=_bucket_sum("reserved"), damaged=_bucket_sum("damaged"))
    }
    drift = []
    seen = set()
    for level in StockLevel.objects.select_related("product", "warehouse").order_by("pk").iterator(chunk_size=2000):
        key = (level.product_id, level.warehouse_id)
        seen.add(key)
        expected = ledger.get(key, {"on_hand": 0, "reserved": 0, "damaged": 0})
        for bucket in ("on_hand", "reserved", "damaged"):
            if getattr(level, bucket) != expected[bucket]:
                drift.append({"sku_id": level.product.sku_id, "warehouse": level.warehouse.code, "bucket": bucket,
                              "level": getattr(level, bucket), "ledger": expected[bucket]})
    for key, row in ledger.items():
        if key not in seen and any(row[b] for b in ("on_hand", "reserved", "damaged")):
            for bucket in ("on_hand", "reserved", "damaged"):
                if row[bucket]:
                    drift.append({"product_id": key[0], "warehouse_id": key[1], "bucket": bucket, "level": None,
                                  "ledger": row[bucket]})
    return drift


def warehouse_for_order(*, warehouse_code: str) -> Warehouse:
    warehouse = Warehouse.objects.filter(code=warehouse_code, is_active=True).first()
    if warehouse is None:
        raise DomainValidationError(f"unknown warehouse {warehouse_code}",
                                    errors={"warehouse_code": [f"Unknown or inactive warehouse {warehouse_code!r}."]})
    return warehouse


def location_stock_quantity(*, location_id: int, product_id: int) -> int:
    """Units of a product in one location (0 if none)."""
    from .models import LocationStock

    return (LocationStock.objects.filter(location_id=location_id, product_id=product_id)
            .values_list("quantity", flat=True).first() or 0)
