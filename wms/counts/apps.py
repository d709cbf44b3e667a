from django.apps import AppConfig


class CountsConfig(AppConfig):
    name = "wms.counts"
    label = "counts"
    verbose_name = "Cycle counts"
