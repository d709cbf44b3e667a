"""System checks of the receiving side's configuration: a mistake here would otherwise surface as refused or
crashing pushes in production. A missing push key is not a check failure (pushes are refused with a clear 401).
Registered by the app config (``OneWarehouseConfig.ready``)."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Warning

from .auth import SignatureMode
from .profiles import PROFILES


def onewarehouse_receiving_config_check(app_configs=None, **kwargs):
    problems = []
    if settings.ONEWAREHOUSE_PROFILE not in PROFILES:
        problems.append(Error(f"ONEWAREHOUSE_PROFILE={settings.ONEWAREHOUSE_PROFILE!r} is not one of "
                              f"{sorted(PROFILES)}", id="onewarehouse.E004"))
    mode = settings.ONEWAREHOUSE_SIGNATURE_MODE
    if mode not in SignatureMode.values:
        problems.append(Error(f"ONEWAREHOUSE_SIGNATURE_MODE={mode!r} is not one of {SignatureMode.values}",
                              id="onewarehouse.E001"))
    if settings.ONEWAREHOUSE_ENV not in settings.ONEWAREHOUSE_KEYS:
        problems.append(Error(f"ONEWAREHOUSE_ENV={settings.ONEWAREHOUSE_ENV!r} is not one of "
                              f"{sorted(settings.ONEWAREHOUSE_KEYS)}", id="onewarehouse.E002"))
    for entry in settings.ONEWAREHOUSE_ALLOWED_IPS:
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            problems.append(Error(f"ONEWAREHOUSE_ALLOWED_IPS: {entry!r} is not an address or CIDR",
                                  id="onewarehouse.E003"))
    if mode == SignatureMode.NONE and not settings.ONEWAREHOUSE_ALLOWED_IPS:
        problems.append(Warning("ONEWAREHOUSE_SIGNATURE_MODE is 'none' and no ONEWAREHOUSE_ALLOWED_IPS is set: "
                                "anyone can push orders", id="onewarehouse.W001"))
    return problems
