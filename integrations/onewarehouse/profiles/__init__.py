"""The wire profiles: one module per dialect of OneWarehouse's API, the active one chosen by
``ONEWAREHOUSE_PROFILE`` and read at request time (so a settings change needs no new URLs)."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from . import contract, v20210901
from .base import Profile

PROFILES: dict[str, Profile] = {profile.name: profile for profile in (contract.PROFILE, v20210901.PROFILE)}
DEFAULT_PROFILE = v20210901.NAME


def profile_get(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ImproperlyConfigured(f"ONEWAREHOUSE_PROFILE={name!r} is not one of {sorted(PROFILES)}") from None


def profile_active() -> Profile:
    return profile_get(settings.ONEWAREHOUSE_PROFILE)
