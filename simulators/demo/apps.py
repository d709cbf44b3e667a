from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "simulators.demo"
    label = "demo"
    verbose_name = "Demo data"
