"""Locations in admin: CSV import with a preview and errors per row, export, bin labels as one PDF, stock per
location on the lists."""

import io

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.factories import ProductFactory, UserFactory
from tests.helpers import TEST_ACTOR
from wms.core.roles import Role
from wms.inventory.models import Location, LocationStock, StockMove
from wms.inventory.resources import LocationResource
from wms.inventory.services import StockLine, location_defaults_ensure, stock_receive, stock_transfer

pytestmark = pytest.mark.django_db

GOOD_CSV = """warehouse,code,barcode,name,kind,zone,parent,pick_sequence,is_active,is_blocked,blocked_reason
TW-TPE-01,Z-A,,Zone A,storage bin,A,,0,1,0,
TW-TPE-01,A-01-01,LOC-A0101,,STORAGE,A,Z-A,10,1,0,
TW-TPE-01,A-01-02,,,Pick face,A,Z-A,20,1,1,broken shelf
"""
BAD_CSV = """warehouse,code,barcode,name,kind,zone,parent,pick_sequence,is_active,is_blocked,blocked_reason
TW-TPE-01,B-01,,,STORAGE,B,,5,1,0,
TW-NOWHERE,B-02,,,STORAGE,B,,6,1,0,
TW-TPE-01,B-03,,,SHELF,B,,7,1,0,
TW-TPE-01,B-04,,,STORAGE,B,NO-PARENT,8,1,0,
TW-TPE-01,B-05,,,STORAGE,B,,-3,1,0,
TW-TPE-01,B-06,DOCK,,STORAGE,B,,9,1,0,
"""


@pytest.fixture
def supervisor_client(client, supervisor, warehouse):
    location_defaults_ensure(warehouse_id=warehouse.pk)
    client.force_login(supervisor)
    return client


def upload(client, text):
    return client.post(reverse("admin:inventory_location_import"), {
        "import_file": SimpleUploadedFile("bins.csv", text.encode(), content_type="text/csv"), "format": "0",
        "resource": "0"})


def test_csv_import_previews_then_creates_the_tree(supervisor_client, warehouse):
    preview = upload(supervisor_client, GOOD_CSV)
    assert preview.status_code == 200
    assert b"A-01-01" in preview.content and not Location.objects.filter(code="A-01-01").exists()
    confirm = preview.context["confirm_form"]
    done = supervisor_client.post(reverse("admin:inventory_location_process_import"),
                                  {**confirm.initial, "format": "0", "resource": "0"}, follow=True)
    assert done.status_code == 200
    rows = {loc.code: loc for loc in Location.objects.filter(warehouse=warehouse).select_related("parent")}
    assert rows["A-01-01"].parent == rows["Z-A"] and rows["A-01-01"].barcode == "LOC-A0101"
    assert (rows["A-01-02"].kind, rows["A-01-02"].is_blocked, rows["A-01-02"].blocked_reason) == (
        "PICK_FACE", True, "broken shelf")
    assert rows["Z-A"].barcode == "Z-A"  # an empty barcode is the code


def test_csv_import_lists_each_bad_row_with_its_error_and_imports_nothing(supervisor_client, warehouse):
    preview = upload(supervisor_client, BAD_CSV)
    assert preview.status_code == 200
    result = preview.context["result"]
    assert result.has_validation_errors()
    invalid = {row.number: row.error_dict for row in result.invalid_rows}
    # A row naming an unknown warehouse cannot even be looked up: an error of its line, not of a column.
    broken = {number: [str(error.error) for error in errors] for number, errors in result.row_errors()}
    assert set(invalid) == {3, 4, 5, 6} and set(broken) == {2}
    text = {n: str(errors) for n, errors in {**invalid, **broken}.items()}
    assert "no warehouse 'TW-NOWHERE'" in text[2]
    assert "unknown kind 'SHELF'" in text[3]
    assert "no location 'NO-PARENT'" in text[4]
    assert "pick_sequence" in text[5]
    assert "barcode" in text[6].lower()
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert not Location.objects.filter(code__startswith="B-").exists()


def test_import_refuses_moving_a_bin_holding_stock_into_quarantine(supervisor_client, warehouse):
    product = ProductFactory()
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 2)], reference_type="t",
                  reference_number="t", actor=TEST_ACTOR)
    preview = upload(supervisor_client, "warehouse,code,kind\nTW-TPE-01,DOCK,QUARANTINE\n")
    (row,) = preview.context["result"].invalid_rows
    assert "It holds stock" in str(row.error_dict)


def test_export_writes_the_import_columns(warehouse):
    location_defaults_ensure(warehouse_id=warehouse.pk)
    dataset = LocationResource().export(Location.objects.filter(code="DOCK"))
    assert dataset.headers[:6] == ["warehouse", "code", "barcode", "name", "kind", "zone"]
    assert dataset.dict[0]["warehouse"] == "TW-TPE-01" and dataset.dict[0]["kind"] == "RECEIVING"


def test_only_a_supervisor_imports_and_changes_locations(client, warehouse):
    location_defaults_ensure(warehouse_id=warehouse.pk)
    receiver = UserFactory(roles=[Role.RECEIVER], is_staff=True)
    client.force_login(receiver)
    assert client.get(reverse("admin:inventory_location_changelist")).status_code == 200
    assert client.get(reverse("admin:inventory_location_import")).status_code == 403
    dock = Location.objects.get(code="DOCK")
    assert client.post(reverse("admin:inventory_location_change", args=[dock.pk]),
                       {"code": "X"}).status_code == 403


def test_print_bin_labels_is_one_valid_pdf_with_every_code(supervisor_client, warehouse):
    for n in range(30):
        Location.objects.create(warehouse=warehouse, code=f"C-{n:02d}", pick_sequence=n)
    ids = list(Location.objects.filter(code__startswith="C-").values_list("pk", flat=True))
    answer = supervisor_client.post(reverse("admin:inventory_location_changelist"),
                                    {"action": "print_labels", "_selected_action": ids})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/pdf"
    pdf = pikepdf.open(io.BytesIO(answer.content))
    assert len(pdf.pages) == 2  # 24 labels a sheet
    text = b"".join(page.Contents.read_bytes() if not isinstance(page.Contents, pikepdf.Array)
                    else b"".join(part.read_bytes() for part in page.Contents) for page in pdf.pages)
    assert b"(C-00)" in text and b"(C-29)" in text


def test_block_action_blocks_with_a_reason(supervisor_client, warehouse):
    dock = Location.objects.get(warehouse=warehouse, code="DOCK")
    supervisor_client.post(reverse("admin:inventory_location_changelist"),
                           {"action": "block_locations", "_selected_action": [dock.pk]})
    dock.refresh_from_db()
    assert dock.is_blocked and dock.blocked_reason


def test_stock_lists_show_where_the_units_are_and_the_ledger_from_to(supervisor_client, warehouse):
    product = ProductFactory(sku_id="SKU-WHERE")
    stock_receive(warehouse_id=warehouse.pk, good=[StockLine(product.pk, 5)], reference_type="t",
                  reference_number="t", actor=TEST_ACTOR)
    shelf = Location.objects.create(warehouse=warehouse, code="A-07", pick_sequence=7)
    dock = Location.objects.get(warehouse=warehouse, code="DOCK")
    stock_transfer(warehouse_id=warehouse.pk, product_id=product.pk, quantity=3, from_location_id=dock.pk,
                   to_location_id=shelf.pk, actor=TEST_ACTOR)
    levels = supervisor_client.get(reverse("admin:inventory_stocklevel_changelist")).content.decode()
    assert "DOCK: 2, A-07: 3" in levels  # in pick-path order
    stocks = supervisor_client.get(reverse("admin:inventory_locationstock_changelist")
                                   + "?location__kind__exact=STORAGE")
    assert stocks.status_code == 200 and "A-07" in stocks.content.decode() and ">DOCK<" not in stocks.content.decode()
    ledger = supervisor_client.get(reverse("admin:inventory_stockmove_changelist")).content.decode()
    assert "DOCK → A-07" in ledger and "· → DOCK" in ledger
    assert LocationStock.objects.get(location=shelf).quantity == 3
    assert StockMove.objects.filter(kind="TRANSFER").count() == 1
