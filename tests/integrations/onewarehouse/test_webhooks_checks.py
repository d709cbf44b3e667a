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
