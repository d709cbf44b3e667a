from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from wms.catalog.services import (
    owner_get_or_create,
    owner_set_one_publish_new,
    product_set_sync_to_one,
    product_upsert,
)
from wms.core.actors import actor_command
from wms.inbound.models import InboundOrder
from wms.inbound.services import inbound_order_upsert
from wms.inventory.models import Location, StockMove
from wms.inventory.services import (
    StockLine,
    location_defaults_ensure,
    location_save,
    stock_receive,
    stock_transfer,
    warehouse_get_or_create,
)
from wms.outbound.services import outbound_order_create

DEMO_PRODUCTS = [
    ("OW-100234", "TSHIRT-BLK-M", "Cotton T-shirt, black, M", "4710000100234", "0.220"),
    ("OW-100235", "TSHIRT-WHT-L", "Cotton T-shirt, white, L", "4710000100235", "0.240"),
    ("OW-100236", "MUG-CERAMIC", "Ceramic mug, 350 ml", "4710000100236", "0.410"),
    ("OW-100237", "CAP-NAVY", "Baseball cap, navy", "4710000100237", "0.120"),
]


DEMO_LOCATIONS = [  # code, kind, parent, pick sequence
    ("A", Location.Kind.STORAGE, None, 0), ("A-01", Location.Kind.STORAGE, "A", 0),
    *[(f"A-01-0{n}", Location.Kind.STORAGE, "A-01", n * 10) for n in range(1, 7)],
    ("P-01", Location.Kind.PICK_FACE, "A", 5),
]


class Command(BaseCommand):
    help = "Load a small demo data set (a warehouse, a merchant, products, stock and a few orders). Idempotent."

    @transaction.atomic
    def handle(self, *args, **options):
        actor = actor_command("demo_setup")
        warehouse = warehouse_get_or_create(code="TW-TPE-01", name="Taipei main warehouse")
        owner = owner_get_or_create(owner_code="MERCHANT-A", name="Merchant A")
        products = []
        for sku_id, sku_code, name, barcode, weight in DEMO_PRODUCTS:
            product, _ = product_upsert(sku_id=sku_id, owner_code="MERCHANT-A", sku_code=sku_code, name=name,
                                        barcode=barcode, weight_kg=Decimal(weight), currency="USD")
            products.append(product)
        product_set_sync_to_one(product_ids=[p.pk for p in products[:3]], enabled=True)
        # From now on the merchant's new products (pushed by OneWarehouse's product sync) are published to ONE: the
        # goods the demo receives reach ONE without anyone flagging them.
        owner_set_one_publish_new(owner_ids=[owner.pk], enabled=True)

        # A small aisle of bins (zone A, in pick-path order) and a pick face, with the opening stock put away.
        bins = self._locations(warehouse=warehouse, actor=actor)
        if not StockMove.objects.filter(reference_type="demo").exists():
            stock_receive(warehouse_id=warehouse.pk,
                          good=[StockLine(p.pk, 50) for p in products],
                          damaged=[StockLine(products[0].pk, 2)],
                          reference_type="demo", reference_number="DEMO-OPENING", actor=actor)
            dock = location_defaults_ensure(warehouse_id=warehouse.pk)[Location.Kind.RECEIVING]
            for product, target in zip(products, bins, strict=False):
                stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=50,
                               from_location_id=dock.pk, to_location_id=target.pk, reference_type="demo",
                               reference_number="DEMO-OPENING", reason="put away", actor=actor)
        inbound_order_upsert(
            inbound_order_no="IB-DEMO-0001", order_type=InboundOrder.OrderType.PURCHASE,
            warehouse_code=warehouse.code, owner_code="MERCHANT-A", tracking_no="SF1234567890", carrier="SF Express",
            items=[{"sku_id": "OW-100234", "quantity": 120}, {"sku_id": "OW-100235", "quantity": 60}],
        )
        outbound_order_create(
            outbound_order_no="OB-DEMO-0001", platform_order_no="SHOPEE-DEMO-1", warehouse_code=warehouse.code,
            owner_code="MERCHANT-A",
            items=[{"sku_id": "OW-100234", "quantity": 2}, {"sku_id": "OW-100236", "quantity": 1}],
            recipient={"name": "Lin Mei", "phone": "+886912345678", "country_code": "TW", "city": "Taipei",
                       "address1": "No. 7, Sec. 5, Xinyi Rd.", "zip_code": "110"},
            logistics={"provider_code": "TCAT", "provider_name": "T-Cat", "service_code": "HOME"},
            currency="TWD", actor=actor,
        )
        self.stdout.write(self.style.SUCCESS("Demo data ready: warehouse TW-TPE-01, 4 products, 1 inbound and "
                                             "1 outbound order."))

    @staticmethod
    def _locations(*, warehouse, actor) -> list:
        """Zone A > aisle A-01 > bins A-01-01..06 (pick path 10..60), and pick face P-01; the bins, in order."""
        made = {}
        for code, kind, parent, sequence in DEMO_LOCATIONS:
            location = Location.objects.filter(warehouse=warehouse, code=code).first()
            if location is None:
                location = location_save(actor=actor, location=Location(
                    warehouse=warehouse, code=code, kind=kind, zone="A", pick_sequence=sequence,
                    parent=made.get(parent)))
            made[code] = location
        return [made[code] for code, kind, _, _ in DEMO_LOCATIONS if kind in Location.BIN_KINDS]
