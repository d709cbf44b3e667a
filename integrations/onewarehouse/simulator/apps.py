from django.apps import AppConfig


class OneWarehouseSimulatorConfig(AppConfig):
    name = "integrations.onewarehouse.simulator"
    label = "onewarehouse_simulator"
    verbose_name = "OneWarehouse simulator"
