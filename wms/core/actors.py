"""Who does a step: a staff member (a ``User``) or the system itself, by name (a ``SystemActor``).

Every service that a role gates or that writes a ledger row takes a keyword-only ``actor`` with no default: the
logged-in user from admin, a named system actor from a push, a task, the outbox or a management command. There is
no "nobody": ``None`` (or anything that is neither) is a ``TypeError``, so a forgotten actor fails loudly instead of
silently skipping the role check (``wms.core.roles.role_require``) or leaving the ledger's "who" blank.
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

SYSTEM_PREFIX = "system:"


@dataclass(frozen=True)
class SystemActor:
    """The system doing a step on its own, e.g. ``onewarehouse`` (its pushes) or ``backorders`` (the task)."""

    name: str

    def __post_init__(self):
        if not self.name or not self.name.strip():
            raise ValueError("a system actor needs a name")

    def __str__(self) -> str:
        return f"{SYSTEM_PREFIX}{self.name}"


Actor = AbstractBaseUser | SystemActor


def actor_system(name: str) -> SystemActor:
    """The system actor called ``name`` (the ledger shows it as ``system:<name>``)."""
    return SystemActor(name)


def actor_command(name: str) -> SystemActor:
    """The actor of a management command run from a shell: ``system:command:<name>``."""
    return SystemActor(f"command:{name}")


# The named actors of the automatic steps (a task or sender names its own where it has none here).
ONEWAREHOUSE = actor_system("onewarehouse")  # OneWarehouse's pushes (create, cancel) and their replays
BACKORDERS = actor_system("backorders")  # the task that gives arriving stock to backordered orders
OUTBOX = actor_system("outbox")  # the outbox's senders, keeping a peer's answer (a fetched label) on the order
ALLOCATION = actor_system("allocation")  # the task (and sweep) that allocates an order after its push's answer
COUNTS = actor_system("counts")  # the beat task that opens the counts of bins not counted for a while


def actor_check(actor) -> Actor:
    """``actor`` itself, or a ``TypeError`` if it is not a user or a system actor (``None`` included)."""
    if isinstance(actor, SystemActor | AbstractBaseUser):
        return actor
    raise TypeError(f"a service needs an actor (a User or a wms.core.actors.SystemActor), got {actor!r}")


def actor_is_system(actor) -> bool:
    return isinstance(actor_check(actor), SystemActor)


def actor_user(actor):
    """The user to keep on a row's ``user`` foreign key: the staff member, or None for the system."""
    return None if actor_is_system(actor) else actor


def actor_name(actor) -> str:
    """The name rows keep of whoever did the step: the username, or ``system:<name>``."""
    actor = actor_check(actor)
    return str(actor) if isinstance(actor, SystemActor) else actor.get_username()
