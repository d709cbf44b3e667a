from collections.abc import Iterable

from django.db.models import Q

from wms.core.errors import DomainValidationError, UnknownSku

from .models import Product


def product_get_by_sku(*, sku_id: str) -> Product | None:
    return Product.objects.select_related("owner").filter(sku_id=sku_id).first()


def product_map_by_sku(*, sku_ids: Iterable[str]) -> dict[str, Product]:
    """The products of ``sku_ids`` keyed by sku_id, in one query; unknown ids are simply absent."""
    return {p.sku_id: p for p in Product.objects.filter(sku_id__in=set(sku_ids))}


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
               else f"Unknown code {code.strip()!r}: no product has this barcode, sku_code or sku_id")
        raise DomainValidationError(why, errors={"code": [why]})
    return next(line for line in lines if line.product_id == product.pk)


def order_items_resolve(*, items: list[dict]) -> dict[str, tuple]:
    """Map ``[{"sku_id", "quantity"}]`` to products, naming every unknown or repeated sku_id by its path."""
    products = product_map_by_sku(sku_ids=[item["sku_id"] for item in items])
    unknown, repeated, seen = {}, {}, set()
    for index, item in enumerate(items):
        if item["sku_id"] in seen:
            repeated[f"items.{index}.sku_id"] = [f"sku_id {item['sku_id']} appears more than once."]
        seen.add(item["sku_id"])
        if item["sku_id"] not in products:
            unknown[f"items.{index}.sku_id"] = [f"Unknown sku_id {item['sku_id']}."]
    if repeated:
        raise DomainValidationError("an order line's sku_id is repeated", errors=repeated)
    if unknown:
        raise UnknownSku(f"{len(unknown)} unknown sku_id(s)", errors=unknown)
    return {item["sku_id"]: (products[item["sku_id"]], item["quantity"]) for item in items}
