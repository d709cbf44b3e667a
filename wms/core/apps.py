from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wms.core"
    label = "core"
    verbose_name = "Warehouse"
