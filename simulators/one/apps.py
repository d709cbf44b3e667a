from django.apps import AppConfig


class OneSimulatorConfig(AppConfig):
    name = "simulators.one"
    label = "one_simulator"
    verbose_name = "ONE stock API simulator"
