from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "integrations.console"
    label = "console"
    verbose_name = "Integration console"
