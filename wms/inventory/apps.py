from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "wms.inventory"
    label = "inventory"
