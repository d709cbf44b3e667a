"""Orders the browser tests start from, made through the services as OneWarehouse's pushes make them."""

from wms.core.actors import ONEWAREHOUSE


def outbound(warehouse, product, number, quantity=2):
    """An allocated outbound order of ``quantity`` units of ``product`` (stock must be there)."""
    from wms.outbound.services import outbound_order_create

    order, _ = outbound_order_create(
        actor=ONEWAREHOUSE, outbound_order_no=number, warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=[{"sku_id": product.sku_id, "quantity": quantity}],
        recipient={"name": "Lin Mei", "country_code": "TW", "city": "Taipei", "address1": "No. 7"},
        logistics={"provider_code": "TCAT"})
    return order
