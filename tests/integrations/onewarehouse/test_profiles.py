"""The wire profiles as tables: each describes the same six URLs and three calls, reads its examples from docs/,
and an unknown profile is a configuration error."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from integrations.onewarehouse.checks import onewarehouse_receiving_config_check
from integrations.onewarehouse.mapping import Endpoint
from integrations.onewarehouse.profiles import PROFILES, profile_active
from integrations.onewarehouse.profiles.base import CallContext


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
