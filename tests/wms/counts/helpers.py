"""Bins with stock in them, for the picking and counting tests: goods received (on the dock), then moved into a
bin by a transfer, as a putaway does."""

from tests.helpers import TEST_ACTOR
from wms.inventory.models import Location
from wms.inventory.selectors import location_default
from wms.inventory.services import StockLine, location_defaults_ensure, stock_receive, stock_transfer


def bin_make(warehouse, code: str, sequence: int, kind=Location.Kind.STORAGE, **fields) -> Location:
    location_defaults_ensure(warehouse_id=warehouse.pk)
    return Location.objects.create(warehouse=warehouse, code=code, barcode=fields.pop("barcode", f"LOC-{code}"),
                                   kind=kind, pick_sequence=sequence, **fields)


def stock_into_bin(warehouse, product, location: Location, quantity: int) -> None:
    """``quantity`` good units received and put into ``location``."""
    stock_receive(actor=TEST_ACTOR, warehouse_id=warehouse.pk, good=[StockLine(product.pk, quantity)],
                  reference_type="test", reference_number="T-BIN")
    dock = location_default(warehouse_id=warehouse.pk, kind=Location.Kind.RECEIVING)
    stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=quantity, from_location_id=dock.pk,
                   to_location_id=location.pk, reference_type="test", reference_number="T-BIN", actor=TEST_ACTOR)


def held(location: Location, product) -> int:
    stock = location.stocks.filter(product=product).first()
    return stock.quantity if stock else 0
