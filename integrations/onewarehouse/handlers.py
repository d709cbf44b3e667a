"""What each receiving URL does in the domain, free of wire names: validated data (the domain services' keyword
arguments, as every profile's serializers produce them) -> the domain service -> a result the profile renders.

Results are dicts: ``{"product", "created"}``, ``{"order", "created"}``, ``{"order", "cancelled"}``,
``{"order", "intercepted"}``; a product batch answers a list of them, in input order.
"""

from collections.abc import Callable

from django.conf import settings

from wms.catalog.services import product_upsert
from wms.core.actors import ONEWAREHOUSE
from wms.core.errors import DomainError
from wms.inbound.services import inbound_order_cancel, inbound_order_upsert
from wms.outbound.services import outbound_order_cancel, outbound_order_create

# What an order naming an unknown sku_id gets (``ONEWAREHOUSE_UNKNOWN_SKU``; empty: the profile's). The contract
# keeps its unknown_sku (1002) answer; the field's products may arrive after their order (same save at OneWarehouse).
UNKNOWN_SKU_PLACEHOLDER = "placeholder"
UNKNOWN_SKU_REFUSE = "refuse"
UNKNOWN_SKU_POLICIES = (UNKNOWN_SKU_PLACEHOLDER, UNKNOWN_SKU_REFUSE)


def unknown_sku_policy() -> str:
    """``ONEWAREHOUSE_UNKNOWN_SKU``, or the active profile's ``unknown_sku`` (an unknown profile refuses)."""
    # Imported here: the profiles import this module (their rows name these handlers).
    from integrations.onewarehouse.profiles import PROFILES

    profile = PROFILES.get(settings.ONEWAREHOUSE_PROFILE)
    return (settings.ONEWAREHOUSE_UNKNOWN_SKU or "").strip() or (profile.unknown_sku if profile else UNKNOWN_SKU_REFUSE)


def _placeholders() -> bool:
    return unknown_sku_policy() == UNKNOWN_SKU_PLACEHOLDER


def product_sync(*, batch_key: str) -> Callable[[dict], object]:
    """One product, or a batch under ``batch_key`` (the wire name, which a refused product's error path uses)."""

    def act(validated: dict):
        if batch_key not in validated:
            product, created = product_upsert(**validated)
            return {"product": product, "created": created}
        products = validated[batch_key]
        # Rows are locked in sku_id order, so two overlapping batches cannot deadlock; answered in input order.
        done = {}
        for index, fields in sorted(enumerate(products), key=lambda pair: pair[1]["sku_id"]):
            try:
                product, created = product_upsert(**fields)
            except DomainError as exc:  # a refused product is named by its place in the batch
                exc.errors = {f"{batch_key}.{index}.{path}": messages for path, messages in exc.errors.items()}
                raise
            done[fields["sku_id"]] = {"product": product, "created": created}
        return [done[fields["sku_id"]] for fields in products]

    return act


def inbound_upsert(validated: dict) -> dict:
    order, created = inbound_order_upsert(**validated, unknown_sku_placeholders=_placeholders())
    return {"order": order, "created": created}


def inbound_cancel(validated: dict) -> dict:
    return {"order": inbound_order_cancel(**validated), "cancelled": True}


def outbound_create(*, allocate_after_answer: bool) -> Callable[[dict], dict]:
    """Create an outbound order. ``allocate_after_answer``: the profile's answer does not carry the allocation, so
    the order is answered CREATED and allocated right after the commit, by a worker (one round trip of the push
    is then its writes of the order, its lines and the log); otherwise the answer says ALLOCATED or BACKORDERED."""

    def act(validated: dict) -> dict:
        order, created = outbound_order_create(**validated, unknown_sku_placeholders=_placeholders(),
                                               allocate_after_commit=allocate_after_answer, actor=ONEWAREHOUSE)
        return {"order": order, "created": created}

    return act


def outbound_cancel(validated: dict) -> dict:
    return {"order": outbound_order_cancel(**validated, actor=ONEWAREHOUSE), "intercepted": True}
