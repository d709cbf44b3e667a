from django.apps import AppConfig


class OneWarehouseSimulatorConfig(AppConfig):
    name = "simulators.onewarehouse"
    label = "onewarehouse_simulator"
    verbose_name = "OneWarehouse simulator"
