from django.apps import AppConfig


class OneConfig(AppConfig):
    name = "integrations.one"
    label = "one"
    verbose_name = "ONE stock sync"
