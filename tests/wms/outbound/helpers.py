"""Outbound orders in tests: made through the service, moved along by the floor's services, labelled with the
contract's example answer."""

import base64
import io
import json
from decimal import Decimal

from django.urls import reverse
from pypdf import PdfWriter

from tests.helpers import ONEWAREHOUSE_EXAMPLES, ONEWAREHOUSE_URL
from wms.core.actors import ONEWAREHOUSE
from wms.outbound.selectors import outbound_pick_directions
from wms.outbound.services import (
    PackageSpec,
    outbound_order_create,
    outbound_order_pack,
    outbound_order_pick_confirm,
)

LABEL_URL = ONEWAREHOUSE_URL + "/openapi/wms/outbound-orders/label"


def outbound(products, number="OB-1", **overrides):
    data = dict(outbound_order_no=number, warehouse_code="TW-TPE-01", owner_code="MERCHANT-A",
                items=[{"sku_id": p.sku_id, "quantity": q} for p, q in products],
                recipient={"name": "Lin Mei", "country_code": "TW", "city": "Taipei", "address1": "Xinyi Rd. 7"},
                logistics={"provider_code": "TCAT"}, cod_amount=Decimal("0"), currency="TWD")
    data.update(overrides)
    return outbound_order_create(**data, actor=ONEWAREHOUSE)


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=288, height=432)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = pdf_bytes()
ZPL = b"^XA^FO50,50^BCN,100,Y,N,N^FDTCAT660012345678^FS^XZ\r\n"


def image_bytes(image_format: str, size=(812, 1218), mode="RGB") -> bytes:
    """A real image file (PNG, JPEG) of a 4x6 in label at 203 dpi by default, black bars on white."""
    from PIL import Image, ImageDraw

    image = Image.new(mode, size, "white" if mode != "RGBA" else (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    for x in range(40, size[0] - 40, 24):
        draw.rectangle((x, 100, x + 10, 400), fill="black")
    out = io.BytesIO()
    image.save(out, format=image_format)
    return out.getvalue()


def label_answer(order_no: str, *, base64_pdf: bytes | None = None) -> dict:
    answer = json.loads((ONEWAREHOUSE_EXAMPLES / "label_response.json").read_text())
    answer["data"]["outbound_order_no"] = order_no
    if base64_pdf is not None:
        answer["data"].update(label_url=None, label_base64=base64.b64encode(base64_pdf).decode())
    return answer


def order_create(warehouse, number="OB202611230042", items=None, allocate=True):
    order, _ = outbound_order_create(actor=ONEWAREHOUSE,
        outbound_order_no=number, warehouse_code=warehouse.code, owner_code="MERCHANT-A",
        items=items or [{"sku_id": "OW-100234", "quantity": 2}, {"sku_id": "OW-100235", "quantity": 1}],
        recipient={"name": "Lin Mei", "country_code": "TW", "city": "Taipei", "address1": "No. 7"},
        logistics={"provider_code": "TCAT", "provider_name": "T-Cat"}, allocate=allocate)
    return order


def url(name, order=None):
    return reverse(f"admin:outbound_outboundorder_{name}", args=[order.pk] if order else [])


def label_url(order, extension=None):
    """The order's label view, named with the extension of its stored kind (or the one given)."""
    extension = extension or {"PDF": "pdf", "PNG": "png", "JPEG": "jpg", "ZPL": "zpl"}.get(order.label_format, "bin")
    return reverse("admin:outbound_outboundorder_label", args=[order.pk, extension])


def pick_units(order, user, product, quantity: int) -> None:
    """Pick ``quantity`` units of ``product`` as the pick path directs (bin by bin, through the picking service)."""
    for stop in outbound_pick_directions(order_ids=[order.pk]):
        if quantity and stop.product.pk == product.pk and stop.location is not None:
            take = min(quantity, stop.quantity)
            outbound_order_pick_confirm(order=order, location_code=stop.location.barcode, code=product.sku_id,
                                        quantity=take, actor=user)
            quantity -= take
    assert quantity == 0, f"the pick path holds too few of {product.sku_id}"


def pick_all(order, user):
    """Pick every line in full, bin by bin in pick-path order."""
    for stop in outbound_pick_directions(order_ids=[order.pk]):
        assert stop.location is not None, f"no bin holds {stop.quantity} x {stop.product.sku_id}"
        outbound_order_pick_confirm(order=order, location_code=stop.location.barcode, code=stop.product.sku_id,
                                    quantity=stop.quantity, actor=user)


def pack_one(order, user):
    items = {ln.pk: ln.picked_qty for ln in order.lines.all()}
    return outbound_order_pack(order=order, actor=user, packages=[PackageSpec("0.65", "32", "26", "6", items)])
