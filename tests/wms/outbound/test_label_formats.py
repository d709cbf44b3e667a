"""Every label kind (PDF, PNG, JPEG, ZPL) from the label answer to the printer: recognised by its bytes whatever
the answer declares, stored under our name with its extension, served under a name with that extension and its
type, shown on the order page, printed on a page of the label size; ZPL as a raw download, listed apart."""

import base64
import io

import pytest
import responses
from pypdf import PdfReader

from tests.helpers import PUBLIC_IP, hosts_resolve
from tests.wms.outbound.helpers import (
    LABEL_URL,
    ZPL,
    image_bytes,
    label_answer,
    label_url,
    order_create,
    pack_one,
    pdf_bytes,
    pick_all,
    url,
)
from wms.outbound.labels import labels_pdf_compose
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_label_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_labels")]
FILE_URL = "https://label.example.com/TCAT660012345678.bin"  # a name that says nothing of the kind

KINDS = {
    "PDF": (pdf_bytes(), "pdf", "application/pdf", "inline"),
    "PNG": (image_bytes("PNG"), "png", "image/png", "inline"),
    "JPEG": (image_bytes("JPEG"), "jpg", "image/jpeg", "inline"),
    "ZPL": (ZPL, "zpl", "application/x-zpl", "attachment"),
}


@pytest.fixture(autouse=True)
def label_hosts_resolve(monkeypatch):
    hosts_resolve(monkeypatch, {"label.example.com": PUBLIC_IP})


def fetched(order, picker, content, capture, *, via: str):
    """The label of ``order`` fetched through the outbox, the answer declaring "PDF" whatever the file is."""
    answer = label_answer(order.outbound_order_no)
    with responses.RequestsMock() as peer:
        if via == "base64":
            answer["data"].update(label_url=None, label_base64=base64.b64encode(content).decode())
        else:
            answer["data"].update(label_url=FILE_URL, label_base64=None)
            peer.add(responses.GET, FILE_URL, body=content, content_type="application/octet-stream")
        peer.add(responses.POST, LABEL_URL, json=answer)
        with capture(execute=True):
            outbound_order_label_request(order=order, user=picker)
    order.refresh_from_db()
    return order


@pytest.mark.parametrize("via", ["base64", "url"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_each_label_kind_goes_from_the_answer_to_the_printer(
        client, warehouse, products, picker, django_capture_on_commit_callbacks, kind, via):
    content, extension, content_type, disposition = KINDS[kind]
    order = order_create(warehouse, f"OB-{kind}")
    pick_all(order, picker)
    pack_one(order, picker)
    order = fetched(order, picker, content, django_capture_on_commit_callbacks, via=via)

    assert (order.status, order.label_format) == (OutboundOrder.Status.LABELLED, kind)
    assert order.label_file.name.endswith(f".{extension}") and order.label_file.read() == content
    client.force_login(picker)
    served = client.get(label_url(order))
    assert label_url(order).endswith(f"/label.{extension}")
    assert served.status_code == 200 and served["Content-Type"] == content_type
    assert served["Content-Disposition"] == f'{disposition}; filename="label-OB-{kind}.{extension}"'
    assert b"".join(served.streaming_content) == content

    order_page = client.get(url("change", order)).content.decode()
    print_page = client.get(url("print", order)).content.decode()
    assert label_url(order) in order_page and label_url(order) in print_page
    printed = client.get(url("label_print_pdf", order))
    if kind == "ZPL":  # for the thermal printer as it is: a raw download, never a browser page
        assert "Download the ZPL label (raw, for the thermal printer)" in order_page
        assert "for the thermal printer" in print_page and url("label_print_pdf", order) not in print_page
        assert printed.status_code == 404
        return
    assert url("label_print_pdf", order) in print_page
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    (page,) = PdfReader(io.BytesIO(printed.content)).pages
    assert (float(page.mediabox.width), float(page.mediabox.height)) == (288.0, 432.0)  # 4 x 6 in
    if kind != "PDF":
        assert page.images, "the image is on the page"


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    return [(round(float(p.mediabox.width), 2), round(float(p.mediabox.height), 2))
            for p in PdfReader(io.BytesIO(pdf)).pages]


def test_the_label_size_is_a_setting_and_every_page_is_fitted_to_it(settings):
    settings.OUTBOUND_LABEL_WIDTH_INCHES, settings.OUTBOUND_LABEL_HEIGHT_INCHES = 100 / 25.4, 150 / 25.4  # 100x150mm
    a4_pdf = pdf_bytes()  # 288 x 432 pt, scaled up to the page
    landscape = image_bytes("PNG", size=(1200, 800))
    composed = labels_pdf_compose([("OB-PDF", a4_pdf), ("OB-WIDE", landscape), ("OB-JPEG", image_bytes("JPEG"))])
    assert composed.printed == ["OB-PDF", "OB-WIDE", "OB-JPEG"] and not composed.left_out
    assert page_sizes(composed.pdf) == [(283.46, 425.2)] * 3


def test_compose_lists_zpl_apart_and_leaves_out_what_cannot_be_printed_with_the_reason():
    transparent = image_bytes("PNG", mode="RGBA")
    composed = labels_pdf_compose([
        ("OB-ZPL", ZPL), ("OB-GONE", None), ("OB-HTML", b"<html>"), ("OB-FAKE", b"\x89PNG\r\n\x1a\n" + b"\0" * 64),
        ("OB-CUT", image_bytes("JPEG")[:200]), ("OB-ALPHA", transparent), ("OB-2PAGES", pdf_bytes(pages=2)),
    ])
    assert composed.zpl == ["OB-ZPL"]
    assert composed.printed == ["OB-ALPHA", "OB-2PAGES"]
    assert page_sizes(composed.pdf) == [(288.0, 432.0)] * 3
    assert composed.left_out[:2] == ["OB-GONE (the file is missing)", "OB-HTML (not a label file)"]
    assert composed.left_out[2].startswith("OB-FAKE (unreadable PNG: ")
    assert composed.left_out[3].startswith("OB-CUT (unreadable JPEG: ") and len(composed.left_out) == 4


def test_nothing_printable_gives_no_pdf():
    composed = labels_pdf_compose([("OB-ZPL", ZPL), ("OB-HTML", b"<html>")])
    assert composed.pdf is None and composed.printed == [] and composed.zpl == ["OB-ZPL"]
