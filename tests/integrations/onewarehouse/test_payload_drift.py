"""The payload drift report: recent pushes against the active profile, per receiving URL, from the request log."""

import json

import pytest

from integrations.onewarehouse import selectors
from integrations.onewarehouse.selectors import payload_drift, payload_paths
from tests.integrations.onewarehouse.helpers import E, field_fixture_load, fixture_load

pytestmark = pytest.mark.django_db
CONSOLE = "/admin/integration-console/"


def _by_endpoint():
    return {row.endpoint: row for row in payload_drift()}


def test_payload_paths_enter_objects_and_lists_without_indexes():
    assert payload_paths({"a": 1, "b": {"c": None}, "items": [{"sku_id": "x"}, {"qty": 1}]}) == {
        "a", "b", "b.c", "items", "items.sku_id", "items.qty"}


def test_without_pushes_nothing_is_reported():
    report = payload_drift()
    assert [row.endpoint for row in report] == list(E)
    assert all(row.pushes == 0 and not row.ignored and not row.never_received and not row.drifting
               for row in report)


def test_the_contract_examples_drift_nowhere_under_the_contract_profile(push, stocked_catalogue):
    for endpoint in E:
        push(endpoint, fixture_load(endpoint))
    report = _by_endpoint()
    assert all(row.pushes == 1 for row in report.values())
    assert {endpoint: row.ignored for endpoint, row in report.items() if row.ignored} == {}
    # The examples carry every optional field but these (the product sync's batch form is one product here).
    assert report[E.OUTBOUND_CREATE].never_received == []


@pytest.mark.onewarehouse_profile("v20210901")
def test_field_pushes_show_the_fields_the_profile_ignores_and_the_optional_ones_missing(push, stocked_catalogue):
    payload = field_fixture_load(E.OUTBOUND_CREATE)
    del payload["consigneer"]["consignee_district"]
    payload["seller_note"] = "fragile"
    push(E.OUTBOUND_CREATE, payload)
    push(E.OUTBOUND_CREATE, {**payload, "outbound_short_id": "OB-2"})
    push(E.PRODUCT_SYNC, field_fixture_load(E.PRODUCT_SYNC))
    report = _by_endpoint()
    outbound = report[E.OUTBOUND_CREATE]
    assert outbound.pushes == 2 and outbound.drifting
    assert outbound.ignored == [("details.price", 2), ("seller_note", 2)]
    assert outbound.never_received == ["consigneer.consignee_district"]
    assert report[E.PRODUCT_SYNC].ignored == [("brand", 1)] and report[E.PRODUCT_SYNC].never_received == []


def test_contract_pushes_read_under_the_field_profile_are_all_drift(push, stocked_catalogue, settings):
    push(E.INBOUND_CANCEL, fixture_load(E.INBOUND_CANCEL))
    settings.ONEWAREHOUSE_PROFILE = "v20210901"
    row = _by_endpoint()[E.INBOUND_CANCEL]
    assert row.ignored == [("inbound_order_no", 1)] and row.never_received == []


def test_only_the_most_recent_pushes_are_read(push, catalogue, monkeypatch):
    monkeypatch.setattr(selectors, "DRIFT_SAMPLE", 3)
    for n in range(2):
        push(E.INBOUND_CANCEL, {"inbound_order_no": f"IB-{n}", "old_field": n})
    assert _by_endpoint()[E.INBOUND_CANCEL].ignored == [("old_field", 2)]
    for n in range(3):
        push(E.INBOUND_CANCEL, raw=json.dumps({"inbound_order_no": f"IB-new-{n}"}).encode())
    row = _by_endpoint()[E.INBOUND_CANCEL]
    assert row.pushes == 3 and row.ignored == []


def test_the_console_shows_the_drift(client, supervisor, push, stocked_catalogue):
    push(E.PRODUCT_SYNC, {**fixture_load(E.PRODUCT_SYNC), "brand": "Plain Co."})
    client.force_login(supervisor)
    page = client.get(CONSOLE).content.decode()
    assert 'id="payload-drift"' in page and "Payload drift (profile contract)" in page
    assert "<code>brand</code> ×1" in page
