"""What the OneWarehouse integration plugs into the project is registered by its app config at start-up, in every
process kind (web, worker, beat, commands), not as a side effect of importing its admin or views."""

from django.core.checks import registry as checks_registry

from integrations.apilog import services as apilog_services
from integrations.onewarehouse.checks import onewarehouse_receiving_config_check
from integrations.onewarehouse.senders import SENDERS
from integrations.onewarehouse.services import INTEGRATION, webhook_replay
from wms.outbox.registry import environment_current, sender_get


def test_the_app_config_registers_the_senders_the_replay_and_the_configuration_check():
    assert all(sender_get(kind) is sender for kind, sender in SENDERS.items())
    assert apilog_services._replay_handlers[INTEGRATION] is webhook_replay
    assert onewarehouse_receiving_config_check in checks_registry.registry.get_checks(include_deployment_checks=True)


def test_the_app_config_registers_the_environment_of_its_messages_and_log_rows(settings):
    settings.ONEWAREHOUSE_ENV = "production"  # read at each use, not at start-up
    assert {environment_current(kind) for kind in SENDERS} == {"production"}
    assert apilog_services.exchange_environment(INTEGRATION) == "production"
    assert environment_current("ONE_STOCK_PUSH") == apilog_services.exchange_environment("one") == ""
