from django.apps import AppConfig


class OutboundConfig(AppConfig):
    name = "wms.outbound"
    label = "outbound"
