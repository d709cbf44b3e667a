"""The three staff roles of the warehouse floor; groups of the same names are made by a migration."""

from django.db import models

from .actors import actor_is_system
from .errors import PermissionDenied


class Role(models.TextChoices):
    RECEIVER = "Receiver"
    PICKER = "Picker"
    SUPERVISOR = "Supervisor"


# Who counts bins (the count screen), and who asks for counts (approving a variance, like correcting stock by hand,
# is ADJUST_ROLES: wms.inventory.services).
COUNT_ROLES = (Role.RECEIVER, Role.PICKER, Role.SUPERVISOR)
COUNT_REQUEST_ROLES = (Role.SUPERVISOR,)

# What each role may see and do in admin, as "app_label.codename". The services check roles again for the
# actions themselves (receiving, picking, adjusting): a permission opens the page, a role allows the act.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Role.RECEIVER: (
        "catalog.view_product", "inventory.view_warehouse", "inventory.view_stocklevel", "inventory.view_stockmove",
        "inbound.view_inboundorder", "inbound.change_inboundorder", "inbound.view_inboundorderline",
        "inventory.view_location", "inventory.view_locationstock", "inbound.view_putawaytask",
        "inbound.change_putawaytask",
        "counts.view_counttask",
        "core.view_orderevent",
    ),
    # The Picker picks and packs, and so also fetches and prints the shipping label and ships (wms.outbound's
    # services and admin check Picker or Supervisor for each of these); a Receiver never touches outbound orders.
    Role.PICKER: (
        "catalog.view_product", "inventory.view_warehouse", "inventory.view_stocklevel", "inventory.view_stockmove",
        "outbound.view_outboundorder", "outbound.change_outboundorder", "outbound.view_outboundorderline",
        "outbound.view_package", "outbound.view_putbacktask", "outbound.change_putbacktask", "outbound.view_shortpick",
        "inventory.view_location", "inventory.view_locationstock",
        "counts.view_counttask",
        "core.view_orderevent",
    ),
    Role.SUPERVISOR: (
        "catalog.view_owner", "catalog.view_product", "catalog.change_product",
        "inventory.view_warehouse", "inventory.view_stocklevel", "inventory.view_stockmove",
        "inbound.view_inboundorder", "inbound.change_inboundorder", "inbound.view_inboundorderline",
        "outbound.view_outboundorder", "outbound.change_outboundorder", "outbound.view_outboundorderline",
        "outbound.view_package", "outbound.view_putbacktask", "outbound.change_putbacktask", "outbound.view_shortpick",
        "outbound.change_shortpick", "counts.view_counttask", "core.view_orderevent",
        "outbox.view_outboxmessage", "outbox.change_outboxmessage", "apilog.view_apiexchange",
        "django_celery_beat.view_periodictask", "django_celery_beat.change_periodictask",
        "one.view_onepublication", "one.change_onepublication", "one.view_onesyncrun",
        "one.view_onesyncchunk", "one.view_onereconciliation", "one.view_onestockdrift", "one.change_onestockdrift",
        "inventory.view_location", "inventory.add_location", "inventory.change_location",
        "inventory.view_locationstock", "inbound.view_putawaytask", "inbound.change_putawaytask",
    ),
}


def roles_sync(apps) -> None:
    """Create the role groups with exactly ``ROLE_PERMISSIONS`` (for data migrations: permissions are made first)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    roles_assign(apps)


def roles_assign(apps) -> None:
    """Create the role groups and give them the permissions of ``ROLE_PERMISSIONS`` that exist (idempotent).

    Runs after every ``migrate`` (and every test flush) too, so the groups follow ROLE_PERMISSIONS as it changes.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        query = models.Q(pk__in=[])
        for perm in perms:
            app_label, codename = perm.split(".")
            query |= models.Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(query))


def user_has_role(user, *roles: str) -> bool:
    """Whether a staff member holds one of ``roles`` (a page's buttons ask this; the service asks again)."""
    if user is None or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=roles).exists()


def role_require(*, actor, roles: tuple[str, ...], action: str, system: bool = False) -> None:
    """Raise ``PermissionDenied`` unless ``actor`` may do ``action``.

    A staff member must hold one of ``roles``, always. A system actor (``wms.core.actors.SystemActor``) may do only
    the steps whose service says so (``system=True``: a push's allocation, the backorder task, an operator's
    command); anywhere else it is refused like a user without the role. ``None`` is a ``TypeError``, never "skip".
    """
    if actor_is_system(actor):
        if not system:
            raise PermissionDenied(f"{action} is a staff step ({' or '.join(roles)}); {actor} may not do it")
        return
    if not user_has_role(actor, *roles):
        raise PermissionDenied(f"{action} needs the role {' or '.join(roles)}")
