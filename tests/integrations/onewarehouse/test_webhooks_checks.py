"""Configuration checks of the receiving side."""

from integrations.onewarehouse.checks import onewarehouse_receiving_config_check


def ids(settings) -> list[str]:
    return [problem.id for problem in onewarehouse_receiving_config_check()]


def test_the_default_configuration_passes(settings):
    settings.ONEWAREHOUSE_SIGNATURE_MODE, settings.ONEWAREHOUSE_ENV = "md5", "sandbox"
    settings.ONEWAREHOUSE_ALLOWED_IPS = []
    assert ids(settings) == []


def test_an_unknown_mode_environment_or_network_is_an_error(settings):
    settings.ONEWAREHOUSE_SIGNATURE_MODE = "sha1"
    settings.ONEWAREHOUSE_ENV = "staging"
    settings.ONEWAREHOUSE_ALLOWED_IPS = ["10.0.0.0/8", "10.0.0.300"]
    assert ids(settings) == ["onewarehouse.E001", "onewarehouse.E002", "onewarehouse.E003"]


def test_mode_none_without_an_allow_list_is_warned_about(settings):
    settings.ONEWAREHOUSE_SIGNATURE_MODE, settings.ONEWAREHOUSE_ENV = "none", "sandbox"
    settings.ONEWAREHOUSE_ALLOWED_IPS = []
    assert ids(settings) == ["onewarehouse.W001"]
    settings.ONEWAREHOUSE_ALLOWED_IPS = ["203.0.113.0/24"]
    assert ids(settings) == []


def test_an_unknown_profile_or_unknown_sku_policy_is_an_error(settings):
    settings.ONEWAREHOUSE_SIGNATURE_MODE, settings.ONEWAREHOUSE_ENV = "", "sandbox"
    settings.ONEWAREHOUSE_ALLOWED_IPS = []
    settings.ONEWAREHOUSE_PROFILE = "v2099"
    settings.ONEWAREHOUSE_UNKNOWN_SKU = "guess"
    assert ids(settings) == ["onewarehouse.E004", "onewarehouse.E005"]
    settings.ONEWAREHOUSE_PROFILE, settings.ONEWAREHOUSE_UNKNOWN_SKU = "v20210901", "placeholder"
    assert ids(settings) == []


def test_the_allow_list_keyword_is_a_valid_entry_and_an_allow_list(settings):
    settings.ONEWAREHOUSE_SIGNATURE_MODE, settings.ONEWAREHOUSE_ENV = "none", "sandbox"
    settings.ONEWAREHOUSE_ALLOWED_IPS = ["onewarehouse", "10.0.0.0/8"]
    assert ids(settings) == []
