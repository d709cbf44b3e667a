"""The wire profiles as tables: each describes the same six URLs and three calls, reads its examples from docs/,
and an unknown profile is a configuration error."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from integrations.onewarehouse.checks import onewarehouse_receiving_config_check
from integrations.onewarehouse.mapping import Endpoint
from integrations.onewarehouse.profiles import PROFILES, profile_active
from integrations.onewarehouse.profiles.base import CallContext, payload_render


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_each_profile_describes_the_six_urls_and_the_three_calls(name):
    profile = PROFILES[name]
    assert set(profile.receiving) == set(Endpoint)
    assert all(row.endpoint == endpoint for endpoint, row in profile.receiving.items())
    assert set(profile.outgoing) == {"inbound_callback", "shipping_label", "outbound_callback"}
    assert all(any(example.request for example in row.examples) for row in profile.receiving.values())
    assert profile.docs_dir.name == name and (profile.docs_dir / "README.md").is_file()


def test_the_call_paths_name_the_warehouse_only_in_the_field_profile():
    context = CallContext(warehouse_code="TW-TPE-01")
    paths = {name: {call: row.url_path(context) for call, row in PROFILES[name].outgoing.items()}
             for name in PROFILES}
    assert paths["contract"] == {"inbound_callback": "/openapi/wms/inbound-orders/callback",
                                 "shipping_label": "/openapi/wms/outbound-orders/label",
                                 "outbound_callback": "/openapi/wms/outbound-orders/callback"}
    assert paths["v20210901"] == {"inbound_callback": "/v20210901/onewarehouse/inbound/callback/TW-TPE-01",
                                  "shipping_label": "/v20210901/onewarehouse/outbound/waybill/TW-TPE-01",
                                  "outbound_callback": "/v20210901/onewarehouse/outbound/callback/TW-TPE-01"}


def test_known_and_optional_fields_follow_the_serializers():
    field = PROFILES["v20210901"]
    assert {"outbound_short_id", "consigneer.consignee_city", "details.qty", "logistics.express_id"} <= (
        field.known_fields(Endpoint.OUTBOUND_CREATE))
    optional = field.optional_fields(Endpoint.OUTBOUND_CREATE)
    assert "consigneer.consignee_mobile" in optional and "logistics" in optional
    assert "outbound_short_id" not in optional and "details.sku_id" not in optional
    contract_products = PROFILES["contract"].known_fields(Endpoint.PRODUCT_SYNC)
    assert {"sku_id", "products", "products.sku_id"} <= contract_products


def test_an_unknown_profile_is_a_configuration_error(settings):
    settings.ONEWAREHOUSE_PROFILE = "v2019"
    with pytest.raises(ImproperlyConfigured, match="v2019"):
        profile_active()
    assert "onewarehouse.E004" in {problem.id for problem in onewarehouse_receiving_config_check()}
    settings.ONEWAREHOUSE_PROFILE = "contract"
    assert "onewarehouse.E004" not in {problem.id for problem in onewarehouse_receiving_config_check()}


DOMAIN_OUTBOUND = {
    "outbound_order_no": "OB-9", "platform_order_no": "SHOP-9", "warehouse_code": "TW-TPE-01",
    "owner_code": "MERCHANT-A", "items": [{"sku_id": "A", "quantity": 2}],
    "recipient": {"name": "Lin Mei", "phone": "+886", "city": "Taipei", "address1": "No. 7", "state": "Taipei City",
                  "district": "Xinyi"},
    "logistics": {"provider_code": "TCAT", "tracking_no": "T1"},
}


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_a_rendered_payload_validates_back_to_the_same_domain_facts(name):
    # The simulator renders domain facts with a profile's names; the WMS reads them back unchanged.
    row = PROFILES[name].receiving[Endpoint.OUTBOUND_CREATE]
    domain = {**DOMAIN_OUTBOUND, "recipient": {**DOMAIN_OUTBOUND["recipient"], "country_code": "TW"}} \
        if name == "contract" else DOMAIN_OUTBOUND
    wire = payload_render(row.payload(domain), domain)
    serializer = row.payload(wire)(data=wire)
    assert serializer.is_valid(), serializer.errors
    validated = serializer.validated_data
    assert validated["outbound_order_no"] == "OB-9" and validated["owner_code"] == "MERCHANT-A"
    assert [dict(item) for item in validated["items"]] == [{"sku_id": "A", "quantity": 2}]
    assert {key: validated["recipient"][key] for key in domain["recipient"]} == domain["recipient"]
    assert validated["logistics"]["tracking_no"] == "T1"


def test_rendering_uses_the_profile_names():
    row = PROFILES["v20210901"].receiving[Endpoint.OUTBOUND_CREATE]
    wire = payload_render(row.payload({}), DOMAIN_OUTBOUND)
    assert (wire["outbound_short_id"], wire["order_mc_id"], wire["account_no"]) == ("OB-9", "SHOP-9", "MERCHANT-A")
    assert wire["details"] == [{"sku_id": "A", "qty": 2}]
    assert wire["consigneer"] == {"consignee_name": "Lin Mei", "consignee_phone": "+886", "consignee_address": "No. 7",
                                  "consignee_district": "Xinyi", "consignee_city": "Taipei",
                                  "consignee_province": "Taipei City"}
    assert wire["logistics"] == {"express_type": "TCAT", "express_id": "T1"}


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_answers_read_back_as_our_business_codes(name):
    envelope = PROFILES[name].envelope
    assert envelope.business_code(envelope.ok({})) == 0
    for code in (1001, 1003, 1006, 4001):
        assert envelope.business_code(envelope.failure(code=code, msg="no")) == code
    assert envelope.business_code({"unexpected": True}) is None and envelope.business_code([1]) is None


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_the_example_calls_pass_the_peers_validation_and_its_answers_are_read(name):
    profile = PROFILES[name]
    for call, example in (("inbound_callback", "callback_inbound"), ("shipping_label", "label_request"),
                          ("outbound_callback", "callback_outbound")):
        serializer = profile.outgoing[call].request(data=profile.example(example))
        assert serializer.is_valid(), (call, serializer.errors)
    shape = profile.peer_answer
    ok = shape.answer(code=0, data={"x": 1})
    assert ok[shape.code_field] == shape.ok_code and shape.code_valid(ok[shape.code_field])
    refused = shape.answer(code=1001, msg="bad", errors={"a": ["b"]})
    assert refused[shape.code_field] != shape.ok_code and refused[shape.errors_field] == {"a": ["b"]}
    label = profile.example("label_response")
    assert profile.label_fields.parse(label[shape.data_field]).tracking_no == "TCAT660012345678"


def test_each_profile_names_the_recipe_auth_defaults_to_for_it():
    from integrations.onewarehouse.auth import RECIPES, profile_recipe_name

    assert {name: profile_recipe_name(name) for name in PROFILES} == {"contract": "md5", "v20210901": "v20210901-hmac"}
    assert all(profile.signature_recipe in RECIPES for profile in PROFILES.values())
    assert profile_recipe_name("no-such-profile") == ""
