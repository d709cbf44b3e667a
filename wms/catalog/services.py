from django.db import transaction
from django.utils import timezone

from wms.core.db import lock_for_update
from wms.core.errors import Conflict

from .models import PLACEHOLDER_NAME, Owner, Product
from .signals import products_publication_changed

# Products flagged per UPDATE statement (SQLite's limit on parameters is far above it).
UPDATE_BATCH = 5000

PRODUCT_FIELDS = (
    "sku_code", "name", "barcode", "weight_kg", "length_cm", "width_cm", "height_cm",
    "declared_value", "currency", "image_url",
)


def owner_get_or_create(*, owner_code: str, name: str = "") -> Owner:
    owner, _ = Owner.objects.get_or_create(owner_code=owner_code, defaults={"name": name})
    return owner


@transaction.atomic
def product_upsert(*, sku_id: str, owner_code: str, **fields) -> tuple[Product, bool]:
    """Insert or update a product by ``sku_id`` (OneWarehouse's product sync). Returns (product, created).

    Only the catalogue fields are touched: our own ``sync_to_one`` flag is never changed by a sync. A new product is
    published to ONE if its merchant publishes new products (``Owner.one_publish_new``); it has no stock yet, so
    there is nothing to announce. A placeholder (``product_placeholder_ensure``, flagged the same way when it was
    made) is completed: it is no longer awaiting data, and ``created`` is True, since this is the first time the
    product's data arrives.
    """
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"unknown product fields: {sorted(unknown)}")
    owner = owner_get_or_create(owner_code=owner_code)
    product, created = lock_for_update(Product.objects).get_or_create(
        sku_id=sku_id, defaults={**fields, "owner": owner, "sync_to_one": owner.one_publish_new}
    )
    if not created:
        changed = [name for name, value in fields.items() if getattr(product, name) != value]
        if product.awaiting_data:
            product.awaiting_data, created = False, True
            changed.append("awaiting_data")
        if product.owner_id != owner.pk:
            _owner_change_check(product=product, owner_code=owner_code)
            product.owner = owner
            changed.append("owner")
        for name in changed:
            if name not in ("owner", "awaiting_data"):
                setattr(product, name, fields[name])
        if changed:
            product.save(update_fields=[*changed, "updated_at"])
    return product, created


@transaction.atomic
def product_placeholder_ensure(*, sku_ids: list[str], owner_code: str) -> list[Product]:
    """A placeholder product for each of ``sku_ids`` that no product has yet, owned by merchant ``owner_code``;
    returns the placeholders created.

    OneWarehouse sends a new product's sync and the order naming it from the same save, so the order may arrive
    first. Its placeholder ("awaiting product data") lets the order be taken; the product sync that follows fills
    it in (``product_upsert``). A sku_id that another merchant's product has is left alone: the order is refused
    for that line as before. Created in sku_id order (the order products are locked in)."""
    owner = owner_get_or_create(owner_code=owner_code)
    known = set(Product.objects.filter(sku_id__in=set(sku_ids)).values_list("sku_id", flat=True))
    created = []
    for sku_id in sorted(set(sku_ids) - known):
        # A product sync of the same sku_id in flight: its row wins and is used (get_or_create's second read).
        product, new = Product.objects.get_or_create(
            sku_id=sku_id, defaults={"owner": owner, "name": PLACEHOLDER_NAME, "awaiting_data": True,
                                     "sync_to_one": owner.one_publish_new})
        if new:
            created.append(product)
    return created


def _owner_change_check(*, product: Product, owner_code: str) -> None:
    """A product moves to another merchant only while nothing of it exists yet: no stock move, no order line.

    Otherwise the stock on the shelf and the orders (open or closed) of its merchant would silently become another
    merchant's. The product row is locked (``lock_for_update``) and orders being written lock their products too (see
    ``order_items_resolve``): an order either sees the new merchant, or its lines are seen here."""
    used = (product.stock_moves.exists() or product.inbound_lines.exists() or product.outbound_lines.exists())
    if used:
        why = (f"sku_id {product.sku_id} belongs to another merchant and has stock or orders; "
               f"it cannot become merchant {owner_code}'s.")
        raise Conflict(why, data={"sku_id": product.sku_id}, errors={"owner_code": [why]})


@transaction.atomic
def product_set_sync_to_one(*, product_ids: list[int], enabled: bool) -> int:
    """Flag (or unflag) products for publication to ONE. Returns how many changed.

    The products that changed are announced (``products_publication_changed``) in this transaction."""
    changed = list(Product.objects.filter(pk__in=product_ids).exclude(sync_to_one=enabled)
                   .order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(changed), UPDATE_BATCH):
        batch = changed[start:start + UPDATE_BATCH]
        Product.objects.filter(pk__in=batch).update(sync_to_one=enabled, updated_at=timezone.now())
        products_publication_changed.send(sender="wms.catalog", product_ids=batch)
    return len(changed)


@transaction.atomic
def owner_products_set_sync_to_one(*, owner_ids: list[int], enabled: bool) -> int:
    """Flag (or unflag) every product of these merchants for publication to ONE. Returns how many changed."""
    product_ids = list(Product.objects.filter(owner_id__in=owner_ids).values_list("pk", flat=True))
    return product_set_sync_to_one(product_ids=product_ids, enabled=enabled)


@transaction.atomic
def owner_set_one_publish_new(*, owner_ids: list[int], enabled: bool) -> int:
    """Whether these merchants' new products (arriving by product sync) are published to ONE. Returns how many
    merchants changed."""
    return Owner.objects.filter(pk__in=owner_ids).exclude(one_publish_new=enabled).update(one_publish_new=enabled)


@transaction.atomic
def product_set_one_sku(*, product_id: int, one_sku: str) -> Product:
    """The product's SKU on ONE (empty: its sku_id). ONE is told at the next sync: the old id removed, the new one
    sent."""
    one_sku = (one_sku or "").strip()
    product = lock_for_update(Product.objects).get(pk=product_id)
    if product.one_sku != one_sku:
        product.one_sku = one_sku
        product.full_clean(validate_unique=False, validate_constraints=False)
        product.save(update_fields=["one_sku", "updated_at"])
        products_publication_changed.send(sender="wms.catalog", product_ids=[product.pk])
    return product
