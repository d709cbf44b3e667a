from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "wms.inbound"
    label = "inbound"

    def ready(self):
        from wms.core.floor import floor_code_resolver_register, floor_section_register

        from .floor import RECEIVE_SECTION, inbound_floor_resolve

        floor_section_register(RECEIVE_SECTION)
        floor_code_resolver_register(inbound_floor_resolve)
