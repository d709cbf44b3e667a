from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "wms.inbound"
    label = "inbound"
