from django.apps import AppConfig


class OneSimulatorConfig(AppConfig):
    name = "integrations.one.simulator"
    label = "one_simulator"
    verbose_name = "ONE stock API simulator"
