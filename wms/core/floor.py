"""The floor home's registry: what each app offers a handheld user, and how a scanned order number finds its screen.

``wms.core`` knows no order app (the layers point down), so each app registers, in its ``AppConfig.ready()``:

- ``floor_section_register(FloorSection(...))``: a group of big buttons on the floor home (e.g. "Receive": one per
  inbound order to receive), shown only to users holding one of its ``roles``;
- ``floor_code_resolver_register(resolver)``: ``resolver(code=..., user=...)`` answers the URL of the screen for
  the order (or task) that ``code`` names (an order number, a tracking code), or None if it names none of its rows.

The home view (``wms.core.views.floor_home``) asks them in registration order; nothing here holds a business rule.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FloorLink:
    """One big button: ``label`` (e.g. the order number), ``url``, ``detail`` (a short second line)."""

    label: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class FloorSection:
    """A group of buttons on the floor home. ``links(user)`` gives its buttons (the work waiting, oldest first);
    ``more`` is a link to the whole list (the admin's change list, filtered)."""

    key: str
    title: str
    roles: tuple[str, ...]
    links: Callable[..., list[FloorLink]]
    more: Callable[[], str] | None = None
    order: int = 100
    help: str = ""


_SECTIONS: dict[str, FloorSection] = {}
_RESOLVERS: list[Callable[..., str | None]] = []


def floor_section_register(section: FloorSection) -> None:
    _SECTIONS[section.key] = section  # by key: registering again (a reloaded app) replaces, never doubles


def floor_code_resolver_register(resolver: Callable[..., str | None]) -> None:
    if resolver not in _RESOLVERS:
        _RESOLVERS.append(resolver)


def floor_sections() -> list[FloorSection]:
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.key))


def floor_code_resolvers() -> list[Callable[..., str | None]]:
    return list(_RESOLVERS)
