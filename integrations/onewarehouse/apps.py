from django.apps import AppConfig


class OneWarehouseConfig(AppConfig):
    name = "integrations.onewarehouse"
    label = "onewarehouse"
    verbose_name = "OneWarehouse"
