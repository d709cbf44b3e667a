"""The OpenAPI document of the six URLs: valid without warnings, with payloads, envelopes, signing and examples."""

import pytest
from django.core.management import call_command

from integrations.onewarehouse.mapping import INCOMING_PATHS
from tests.integrations.onewarehouse.helpers import fixture_load

pytestmark = pytest.mark.django_db


def test_the_schema_generates_and_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/onewarehouse/outbound-orders/cancel" in (tmp_path / "schema.yml").read_text()


@pytest.fixture
def document(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_each_of_the_six_urls_is_documented_with_the_signature_headers_and_envelopes(document):
    assert {f"/api/onewarehouse/{p}" for p in INCOMING_PATHS.values()} <= set(document["paths"])
    for path in INCOMING_PATHS.values():
        operation = document["paths"][f"/api/onewarehouse/{path}"]["post"]
        headers = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
        query = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
        assert headers == {"X-App-Key", "X-Timestamp", "X-Sign"} and query == {"app_key", "timestamp", "sign"}
        assert set(operation["responses"]) == {"200", "400", "401", "413", "500", "503"}
        assert operation["requestBody"]["content"]["application/json"]["examples"]
        refused = operation["responses"]["401"]["content"]["application/json"]
        assert refused["schema"] == {"$ref": "#/components/schemas/FailureEnvelopeSchema"}
        assert next(iter(refused["examples"].values()))["value"]["code"] == 4001


def test_the_contract_examples_are_the_documented_ones(document):
    create = document["paths"]["/api/onewarehouse/outbound-orders"]["post"]
    requests = [e["value"] for e in create["requestBody"]["content"]["application/json"]["examples"].values()]
    assert requests == [fixture_load("outbound_create")]
    answers = [e["value"] for e in create["responses"]["200"]["content"]["application/json"]["examples"].values()]
    assert fixture_load("response_ok") in answers and fixture_load("response_validation_error") in answers
    validation = document["components"]["schemas"]["OutboundOrderPayload"]
    assert set(validation["required"]) == {"outbound_order_no", "warehouse_code", "owner_code", "recipient",
                                           "items", "logistics"}


def test_swagger_ui_is_served(client):
    assert client.get("/api/docs/").status_code == 200
