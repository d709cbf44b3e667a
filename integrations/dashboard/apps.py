from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "integrations.dashboard"
    label = "dashboard"
    verbose_name = "Supervisor's dashboard"
