"""Reads of the fake ONE stock API, in the shape of ONE's answers.

Per warehouse and sku: ``largestQuantity`` = the quantity sent (all rows of that sku), ``quantity`` = that minus the
carts' reservations (a request naming ``cartId`` does not count that cart's). ``overallQuantity`` sums
``quantity`` over every warehouse, ``selectedWarehousesQuantity`` over the requested ones (all when none named);
the glossary defines both as available quantities. A warehouse is listed for a sku when it has a row for it.

Each listed warehouse's ``stocks`` holds its stock rows of the sku (``{"id", "sku", "quantity"}``: a line as it
was sent, the quantity with reservations), or nothing when the request says ``withStocks=false``, as every example
of ONE's page does (and answers ``"stocks": []``). The page shows no listed row: its fields are those of a sent line.
"""

from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from .models import SimFault, SimRequest, SimReservation, SimStock, SimWarehouse


def _number(value: Decimal):
    """A JSON number: an int when whole (``12``), else a float (``164.1``), as ONE answers."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _levels(*, skus: list[str], cart_id: str, with_stocks: bool) -> dict[str, dict[str, dict]]:
    """{sku: {warehouse_id: {"label", "largest", "reserved", "stocks"}}} for every warehouse holding a row of the
    sku; ``stocks`` (its rows) is empty unless ``with_stocks``."""
    levels: dict[str, dict[str, dict]] = defaultdict(dict)
    rows = (SimStock.objects.filter(sku__in=skus).values("sku", "warehouse__warehouse_id", "warehouse__label")
            .annotate(total=Sum("quantity")).order_by("warehouse__warehouse_id"))
    for row in rows:
        levels[row["sku"]][row["warehouse__warehouse_id"]] = {
            "label": row["warehouse__label"], "largest": row["total"], "reserved": Decimal(0), "stocks": []}
    if with_stocks:
        for row in SimStock.objects.filter(sku__in=skus).values_list("sku", "warehouse__warehouse_id", "stock_id",
                                                                     "quantity").order_by("stock_id"):
            sku, warehouse_id, stock_id, quantity = row
            levels[sku][warehouse_id]["stocks"].append({"id": stock_id, "sku": sku, "quantity": _number(quantity)})
    reservations = SimReservation.objects.filter(sku__in=skus).exclude(cart_id=cart_id) if cart_id else \
        SimReservation.objects.filter(sku__in=skus)
    for res in reservations.values("sku", "warehouse__warehouse_id").annotate(total=Sum("quantity")):
        level = levels[res["sku"]].get(res["warehouse__warehouse_id"])
        if level is not None:
            level["reserved"] += res["total"]
    return levels


def _product_answer(per_warehouse: dict[str, dict], warehouse_ids: list[str]) -> dict:
    overall = Decimal(0)
    selected = Decimal(0)
    listed = []
    for warehouse_id, level in per_warehouse.items():
        available = max(level["largest"] - level["reserved"], Decimal(0))
        overall += available
        if warehouse_ids and warehouse_id not in warehouse_ids:
            continue
        selected += available
        listed.append({"warehouseId": warehouse_id, "warehouseLabel": level["label"] or warehouse_id,
                       "quantity": _number(available), "largestQuantity": _number(level["largest"]),
                       "stocks": level["stocks"]})
    return {"overallQuantity": _number(overall), "selectedWarehousesQuantity": _number(selected),
            "warehouses": listed}


def stocks_for_skus(*, skus: list[str], warehouse_ids: list[str], cart_id: str = "", with_stocks: bool = True) -> dict:
    """GET .../stocks: ``{sku: {overallQuantity, selectedWarehousesQuantity, warehouses: [...]}}``; a sku ONE does
    not hold answers zeros and no warehouses."""
    levels = _levels(skus=skus, cart_id=cart_id, with_stocks=with_stocks)
    return {sku: _product_answer(levels.get(sku, {}), warehouse_ids) for sku in dict.fromkeys(skus)}


def stocks_for_one_product(*, sku: str, warehouse_ids: list[str], cart_id: str = "", with_stocks: bool = True) -> dict:
    """GET .../stocks-for-one-product."""
    return _product_answer(_levels(skus=[sku], cart_id=cart_id, with_stocks=with_stocks).get(sku, {}),
                           warehouse_ids)


def warehouse_overview() -> list[dict]:
    """Every warehouse with its rows (largest, reserved, quantity), for the staff page."""
    reserved: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for res in SimReservation.objects.values("warehouse_id", "sku").annotate(total=Sum("quantity")):
        reserved[(res["warehouse_id"], res["sku"])] += res["total"]
    overview = []
    for warehouse in SimWarehouse.objects.prefetch_related("stocks"):
        rows = []
        for stock in warehouse.stocks.all():
            held = reserved.get((warehouse.pk, stock.sku), Decimal(0))
            rows.append({"stock_id": stock.stock_id, "sku": stock.sku, "largest": stock.quantity,
                         "reserved": held, "quantity": max(stock.quantity - held, Decimal(0)),
                         "updated_at": stock.updated_at})
        overview.append({"warehouse": warehouse, "rows": rows})
    return overview


def reservation_list():
    return SimReservation.objects.select_related("warehouse")


def fault_list():
    return SimFault.objects.filter(remaining__gt=0)


def request_list(*, limit: int = 100):
    return SimRequest.objects.all()[:limit]
