from django.apps import AppConfig


class ApiLogConfig(AppConfig):
    name = "integrations.apilog"
    label = "apilog"
    verbose_name = "Integration request log"
