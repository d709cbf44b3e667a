from django.apps import AppConfig


class CountsConfig(AppConfig):
    name = "wms.counts"
    label = "counts"
    verbose_name = "Cycle counts"

    def ready(self):
        from wms.core.floor import floor_section_register

        from .floor import COUNT_SECTION

        floor_section_register(COUNT_SECTION)
