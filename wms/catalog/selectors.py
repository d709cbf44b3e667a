from collections.abc import Iterable

from django.db.models import Q

from wms.core.db import lock_for_update
from wms.core.errors import DomainValidationError, UnknownSku

from .models import Owner, Product


def products_awaiting_data():
    """Placeholder products still waiting for their product sync, oldest first, with their merchant."""
    return Product.objects.filter(awaiting_data=True).select_related("owner").order_by("created_at", "pk")


def product_find_by_code(*, code: str, products: Iterable[Product] | None = None) -> Product | None:
    """What a scanner reads: a barcode, a sku_code or a sku_id (case-insensitive for codes)."""
    code = (code or "").strip()
    if not code:
        return None
    if products is not None:
        for product in products:
            if code in (product.barcode, product.sku_id) or code.upper() == (product.sku_code or "").upper():
                return product
        return None
    return (
        Product.objects.filter(Q(barcode=code) | Q(sku_id=code) | Q(sku_code__iexact=code)).order_by("pk").first()
    )


def order_line_for_code(*, lines, code: str, order_label: str):
    """The line of ``lines`` (an order's lines, each with its ``product``) whose product a scanned ``code`` names.

    Refuses by name a code that no product has, and a product that is not on the order (``order_label``, e.g.
    "inbound order IB-1")."""
    product = product_find_by_code(code=code, products=[line.product for line in lines])
    if product is None:
        known = product_find_by_code(code=code)
        why = (f"{known.sku_id} is not on {order_label}" if known
               else f"Unknown code {code.strip()!r}: no product has this barcode, SKU code or SKU id")
        raise DomainValidationError(why, errors={"code": [why]})
    return next(line for line in lines if line.product_id == product.pk)


def order_items_resolve(*, items: list[dict], owner_code: str) -> dict[str, tuple]:
    """Map ``[{"sku_id", "quantity"}]`` of an order of merchant ``owner_code`` to products.

    Names by its path every repeated sku_id and every product of another merchant (validation errors: the order
    itself is wrong), else every unknown sku_id (``UnknownSku``: OneWarehouse may sync the product and retry).
    A warehouse keeps the goods of many merchants; an order may only move its own merchant's stock.

    Call it in the order's transaction: the products are locked (FOR NO KEY UPDATE, in sku_id order like a product
    sync) until it commits, so no sync can move one to another merchant after this check. The lines' foreign keys
    cannot do it: PostgreSQL checks Django's deferred foreign keys only at commit, after any check of ours. The
    owner is compared by id, not joined: a locked row that a sync just changed is re-read alone, and a join to the
    old owner would drop it (an order seeing a known sku as unknown).
    """
    owner_id = Owner.objects.filter(owner_code=owner_code).values_list("pk", flat=True).first()
    products = {p.sku_id: p for p in order_products_locked(items=items)}
    return order_items_check(items=items, products=products, owner_id=owner_id, owner_code=owner_code)


def order_products_locked(*, items: list[dict]):
    """The products ``items`` name, locked in sku_id order (see ``order_items_resolve``); a queryset, so that a
    caller may read more in the same statement (``annotate``)."""
    return lock_for_update(Product.objects).filter(sku_id__in={item["sku_id"] for item in items}).order_by("sku_id")


def order_items_check(*, items: list[dict], products: dict, owner_id: int | None, owner_code: str) -> dict[str, tuple]:
    """``order_items_resolve``'s checks, on products (by sku_id) locked already and the merchant's id."""
    invalid, unknown, seen = {}, {}, set()
    for index, item in enumerate(items):
        path, sku_id = f"items.{index}.sku_id", item["sku_id"]
        product = products.get(sku_id)
        if sku_id in seen:
            invalid[path] = [f"sku_id {sku_id} appears more than once."]
        elif product is None:
            unknown[path] = [f"Unknown sku_id {sku_id}."]
        elif product.owner_id != owner_id:
            invalid[path] = [foreign_product_message(sku_id=sku_id, owner_code=owner_code)]
        seen.add(sku_id)
    if invalid:
        raise DomainValidationError(_lines_refused(invalid), errors=invalid)
    if unknown:
        raise UnknownSku(f"{len(unknown)} unknown sku_id(s)", errors=unknown)
    return {item["sku_id"]: (products[item["sku_id"]], item["quantity"]) for item in items}


def foreign_product_message(*, sku_id: str, owner_code: str) -> str:
    # The other merchant is not named: an order's answer and page show nothing of another merchant.
    return f"sku_id {sku_id} is not a product of merchant {owner_code}."


def order_lines_owner_check(*, order) -> None:
    """Refuse an order (inbound or outbound: ``lines`` with ``product``, and ``owner``) holding a line of another
    merchant's product, naming each as ``items.N.sku_id`` (N its place among the lines): the guard of allocation
    and receipt against an order written before the rule, or around the services."""
    lines = list(order.lines.order_by("pk").values_list("product__sku_id", "product__owner_id"))
    errors = {
        f"items.{index}.sku_id": [foreign_product_message(sku_id=sku_id, owner_code=order.owner.owner_code)]
        for index, (sku_id, owner_id) in enumerate(lines) if owner_id != order.owner_id
    }
    if errors:
        raise DomainValidationError(_lines_refused(errors), errors=errors)


def _lines_refused(errors: dict[str, list[str]]) -> str:
    return "1 order line refused" if len(errors) == 1 else f"{len(errors)} order lines refused"
