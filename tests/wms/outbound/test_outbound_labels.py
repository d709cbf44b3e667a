"""A label that can never be one is dead at once and shown to staff; the stored file is named by us and kept out
of any public URL; printing many labels never answers 500; who fetches labels and ships.
"""

import base64
import importlib
import io
import re
from pathlib import Path

import pytest
import responses
from django.contrib.messages import get_messages
from django.test import override_settings
from django.urls import clear_url_caches
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pypdf import PdfReader

from tests.wms.outbound.helpers import (
    LABEL_URL,
    PDF,
    ZPL,
    image_bytes,
    label_answer,
    label_url,
    order_create,
    pack_one,
    pick_all,
    url,
)
from wms.core.errors import DomainValidationError, PermissionDenied
from wms.outbound.models import OutboundOrder
from wms.outbound.services import outbound_order_label_request, outbound_order_label_store, outbound_order_ship
from wms.outbox.models import OutboxMessage
from wms.outbox.services import outbox_message_dispatch

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("ow_labels")]
Status = OutboundOrder.Status
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def packed(warehouse, picker, number="OB-L1"):
    order = order_create(warehouse, number)
    pick_all(order, picker)
    pack_one(order, picker)
    return order


def labelled(warehouse, picker, number="OB-L1", content=PDF):
    order = packed(warehouse, picker, number)
    return outbound_order_label_store(order_id=order.pk, content=content, tracking_no="T-" + number,
                                      label_format="PDF")


def request_label_with_answer(order, picker, answer, capture):
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, LABEL_URL, json=answer)
        with capture(execute=True):
            message = outbound_order_label_request(order=order, user=picker)
    message.refresh_from_db()
    return message


# --- refused labels: dead at once, the reason on the order page ----------------------------------------------

@pytest.mark.parametrize("data, reason", [
    ({"label_base64": "!!not base64!!"}, "not valid base64"),
    ({"label_format": "HTML", "label_base64": base64.b64encode(b"<script>alert(1)</script>").decode()},
     "not a PDF, PNG, JPEG, ZPL file"),
    ({"label_url": "http://127.0.0.1:8000/admin/login/"}, "is not allowed"),
])
def test_a_label_that_can_never_be_one_is_dead_at_once_without_retry_and_shown_on_the_order_page(
        client, warehouse, products, picker, django_capture_on_commit_callbacks, data, reason):
    order = packed(warehouse, picker)
    answer = label_answer(order.outbound_order_no)
    answer["data"].update({"label_url": None, "label_base64": None, **data})
    message = request_label_with_answer(order, picker, answer, django_capture_on_commit_callbacks)
    assert (message.status, message.attempts) == (OutboxMessage.Status.DEAD, 1)
    assert reason in message.last_error
    assert outbox_message_dispatch(message_id=message.pk) is None  # not due again: nothing is retried
    order.refresh_from_db()
    assert order.status == Status.PACKED and not order.label_file
    client.force_login(picker)
    page = client.get(url("change", order)).content.decode()
    assert "Dead" in page and reason in page


def test_the_store_refuses_content_that_is_no_label_whatever_the_caller_says(warehouse, products, picker):
    order = packed(warehouse, picker)
    with pytest.raises(DomainValidationError, match="not a PDF, PNG, JPEG, ZPL file"):
        outbound_order_label_store(order_id=order.pk, content=b"<html>", label_format="PDF", tracking_no="T")
    order.refresh_from_db()
    assert order.status == Status.PACKED and not order.label_file


@pytest.mark.parametrize("number", ["OB/../../../etc/passwd", "..", "OB\\..\\x", "OB:<>|?*\u202e", "OB 1.pdf"])
def test_an_order_number_with_path_characters_is_labelled_under_a_name_we_make(
        warehouse, products, picker, django_capture_on_commit_callbacks, settings, number):
    order = packed(warehouse, picker, number)
    message = request_label_with_answer(order, picker, label_answer(number, base64_pdf=PDF),
                                        django_capture_on_commit_callbacks)
    assert message.status == OutboxMessage.Status.SENT
    order.refresh_from_db()
    assert order.status == Status.LABELLED and order.label_format == "PDF"
    assert re.fullmatch(rf"\d{{4}}/\d\d/label-{order.pk}-[0-9a-f]{{12}}\.pdf", order.label_file.name)
    root = Path(settings.OUTBOUND_LABEL_ROOT).resolve()
    assert Path(order.label_file.path).resolve().parent.parent.parent == root
    assert order.label_file.read() == PDF


@pytest.mark.parametrize("content, kind, extension", [(PNG, "PNG", "png"), (ZPL, "ZPL", "zpl")])
def test_the_stored_kind_and_extension_come_from_the_bytes_not_the_declared_format(
        warehouse, products, picker, content, kind, extension):
    order = labelled(warehouse, picker, content=content)  # declared "PDF"
    assert order.label_format == kind and order.label_file.name.endswith("." + extension)


# --- serving: only through the admin view, also with DEBUG -------------------------------------------------

@pytest.fixture
def debug_urls():
    """wms.urls as imported with DEBUG on (it decides what it mounts at import)."""
    import wms.urls

    with override_settings(DEBUG=True):
        importlib.reload(wms.urls)
        clear_url_caches()
        yield
    importlib.reload(wms.urls)
    clear_url_caches()


def test_with_debug_on_a_label_file_has_no_public_url_and_only_the_admin_view_serves_it(
        client, debug_urls, warehouse, products, picker, receiver, settings):
    order = labelled(warehouse, picker)
    stored = Path(order.label_file.path).resolve()
    assert Path(settings.MEDIA_ROOT).resolve() not in stored.parents
    for public in (f"/{settings.MEDIA_URL}{order.label_file.name}", f"/media/{order.label_file.name}",
                   f"/media/labels/{order.label_file.name}"):
        assert client.get(public).status_code == 404
        client.force_login(picker)
        assert client.get(public).status_code == 404
        client.logout()

    assert client.get(label_url(order)).status_code == 302  # to the login page
    client.force_login(receiver)
    assert client.get(label_url(order)).status_code == 403
    client.force_login(picker)
    shown = client.get(label_url(order))
    assert shown.status_code == 200 and b"".join(shown.streaming_content) == PDF
    assert shown["Content-Type"] == "application/pdf" and shown["X-Content-Type-Options"] == "nosniff"
    assert shown["Content-Disposition"] == 'inline; filename="label-OB-L1.pdf"'


@pytest.mark.parametrize("content, extension, content_type, disposition", [
    (PNG, "png", "image/png", 'inline; filename="label-OB-L1.png"'),
    (ZPL, "zpl", "application/x-zpl", 'attachment; filename="label-OB-L1.zpl"'),
    (b"<html><script>alert(1)</script>", "bin", "application/octet-stream", 'attachment; filename="label-OB-L1.bin"'),
])
def test_the_label_view_answers_the_type_of_the_bytes_and_downloads_what_a_browser_should_not_show(
        client, warehouse, products, picker, content, extension, content_type, disposition):
    order = labelled(warehouse, picker)
    with order.label_file.open("wb") as fh:  # e.g. a file stored before kinds were checked
        fh.write(content)
    client.force_login(picker)
    stale = client.get(label_url(order))  # its name says .pdf: sent to the name of what the bytes are
    assert stale.status_code == 302 and stale["Location"] == label_url(order, extension)
    shown = client.get(label_url(order, extension))
    assert (shown["Content-Type"], shown["Content-Disposition"]) == (content_type, disposition)
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert client.get(url("change", order)).status_code == 200
    assert client.get(url("print", order)).status_code == 200


def test_a_label_file_gone_from_disk_answers_404_and_the_order_pages_still_open(client, warehouse, products, picker):
    order = labelled(warehouse, picker)
    Path(order.label_file.path).unlink()
    client.force_login(picker)
    assert client.get(label_url(order)).status_code == 404
    assert client.get(url("change", order)).status_code == 200
    assert client.get(url("print", order)).status_code == 200
    merged = client.get(url("labels_pdf") + f"?ids={order.pk}")
    assert merged.status_code == 302 and "OB-L1 (the file is missing)" in " ".join(messages_of(merged))


# --- printing many labels ---------------------------------------------------------------------------------

def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_print_labels_merges_pdfs_and_images_lists_zpl_apart_and_names_the_orders_left_out_never_a_500(
        client, warehouse, products, picker):
    pdf_order = labelled(warehouse, picker, "OB-PDF")
    png_order = labelled(warehouse, picker, "OB-PNG", content=image_bytes("PNG"))
    jpeg_order = labelled(warehouse, picker, "OB-JPEG", content=image_bytes("JPEG"))
    zpl_order = labelled(warehouse, picker, "OB-ZPL", content=ZPL)
    broken = labelled(warehouse, picker, "OB-BROKEN", content=b"%PDF-1.4 not really")
    client.force_login(picker)
    chosen = [pdf_order.pk, png_order.pk, jpeg_order.pk, zpl_order.pk, broken.pk]

    action = client.post(url("changelist"), {"action": "print_labels", "_selected_action": chosen})
    assert action.status_code == 302 and action["Location"].startswith(url("labels_print"))
    page = client.get(action["Location"])
    assert page.status_code == 200
    zpl_part = page.content.decode().split('id="zpl-labels"', 1)[1]
    assert label_url(zpl_order) in zpl_part and "OB-ZPL.zpl" in zpl_part and "OB-PDF" not in zpl_part

    merged = client.get(page.context["pdf_url"])
    assert merged.status_code == 200 and merged["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(merged.content)).pages
    assert len(pages) == 3  # the PDF, the PNG and the JPEG; each a 4 x 6 in page
    assert {(float(p.mediabox.width), float(p.mediabox.height)) for p in pages} == {(288.0, 432.0)}
    said = " ".join(messages_of(merged))
    assert "OB-BROKEN (unreadable PDF" in said and "OB-ZPL" not in said  # the page never asks for the ZPL one
    asked_for_all = client.get(url("labels_pdf") + "?ids=" + ",".join(map(str, chosen)))
    assert len(PdfReader(io.BytesIO(asked_for_all.content)).pages) == 3
    assert "OB-ZPL (ZPL)" in " ".join(messages_of(asked_for_all))

    none_printable = client.get(url("labels_pdf") + f"?ids={zpl_order.pk}")
    assert none_printable.status_code == 302 and none_printable["Location"] == url("changelist")


# --- who fetches labels and ships: the Picker (who packs), and the Supervisor ------------------------------

def test_a_receiver_cannot_fetch_a_label_or_ship_and_a_picker_can(
        client, warehouse, products, picker, receiver, django_capture_on_commit_callbacks):
    order = packed(warehouse, picker)
    with pytest.raises(PermissionDenied):
        outbound_order_label_request(order=order, user=receiver)
    client.force_login(receiver)
    assert client.post(url("label_request", order)).status_code == 403
    assert not OutboxMessage.objects.exists()

    client.force_login(picker)
    page = client.get(url("change", order)).content.decode()
    assert "Get shipping label" in page
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, LABEL_URL, json=label_answer(order.outbound_order_no, base64_pdf=PDF))
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url("label_request", order))
    order.refresh_from_db()
    assert order.status == Status.LABELLED

    with pytest.raises(PermissionDenied):
        outbound_order_ship(order=order, user=receiver)
    client.force_login(receiver)
    assert client.post(url("ship", order)).status_code == 403
    order.refresh_from_db()
    assert order.status == Status.LABELLED

    client.force_login(picker)
    assert "Ship" in client.get(url("change", order)).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url("ship", order))
    order.refresh_from_db()
    assert order.status == Status.SHIPPED


def test_a_supervisor_can_fetch_a_label_and_ship_too(warehouse, products, picker, supervisor,
                                                    django_capture_on_commit_callbacks):
    order = packed(warehouse, picker)
    with responses.RequestsMock() as peer:
        peer.add(responses.POST, LABEL_URL, json=label_answer(order.outbound_order_no, base64_pdf=PDF))
        with django_capture_on_commit_callbacks(execute=True):
            outbound_order_label_request(order=order, user=supervisor)
    with django_capture_on_commit_callbacks(execute=False):
        outbound_order_ship(order=order, user=supervisor)
    order.refresh_from_db()
    assert order.status == Status.SHIPPED


# --- widened fuzzing: what the peer controls, generated ------------------------------------------------------

@given(number=st.text(alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
                      min_size=1, max_size=64))
@hypothesis_settings(max_examples=40, deadline=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_any_order_number_is_labelled_under_a_name_we_make_inside_the_label_root(
        warehouse, products, picker, settings, number):
    order = packed(warehouse, picker, "OB-FUZZ") if not OutboundOrder.objects.exists() else OutboundOrder.objects.get()
    OutboundOrder.objects.filter(pk=order.pk).update(outbound_order_no=number, status=Status.PACKED, label_file="")
    stored = outbound_order_label_store(order_id=order.pk, content=PDF, tracking_no="T", label_format="PDF")
    assert re.fullmatch(rf"\d{{4}}/\d\d/label-{order.pk}-[0-9a-f]{{12}}\.pdf", stored.label_file.name)
    assert Path(settings.OUTBOUND_LABEL_ROOT).resolve() in Path(stored.label_file.path).resolve().parents
