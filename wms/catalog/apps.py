from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "wms.catalog"
    label = "catalog"
