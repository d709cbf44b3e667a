from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _roles_after_migrate(sender, apps=None, **kwargs):
    from django.apps import apps as global_apps

    from .roles import roles_assign

    roles_assign(apps or global_apps)  # flush sends no ``apps``


class CoreConfig(AppConfig):
    name = "wms.core"
    label = "core"
    verbose_name = "Warehouse"

    def ready(self):
        post_migrate.connect(_roles_after_migrate, dispatch_uid="wms.core.roles_after_migrate")
