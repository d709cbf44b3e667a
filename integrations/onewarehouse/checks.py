"""System checks of the receiving side's configuration: a mistake here would otherwise surface as refused or
crashing pushes in production. A missing push key is not a check failure (pushes are refused with a clear 401).
Registered by the app config (``OneWarehouseConfig.ready``)."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Warning

from .auth import SignatureMode, allowed_networks, signature_mode_active
from .handlers import UNKNOWN_SKU_POLICIES
from .profiles import PROFILES

NONE_WITHOUT_ALLOW_LIST = ("ONEWAREHOUSE_SIGNATURE_MODE is 'none' and no ONEWAREHOUSE_ALLOWED_IPS is set: anyone can "
                           "push orders; set ONEWAREHOUSE_ALLOWED_IPS=onewarehouse (its published addresses)")


def onewarehouse_receiving_config_check(app_configs=None, **kwargs):
    problems = []
    mode = signature_mode_active()
    if settings.ONEWAREHOUSE_PROFILE not in PROFILES:
        problems.append(Error(f"ONEWAREHOUSE_PROFILE={settings.ONEWAREHOUSE_PROFILE!r} is not one of "
                              f"{sorted(PROFILES)}", id="onewarehouse.E004"))
    elif mode not in SignatureMode.values:
        problems.append(Error(f"ONEWAREHOUSE_SIGNATURE_MODE={mode!r} is not one of {SignatureMode.values}",
                              id="onewarehouse.E001"))
    policy = settings.ONEWAREHOUSE_UNKNOWN_SKU
    if policy and policy not in UNKNOWN_SKU_POLICIES:
        problems.append(Error(f"ONEWAREHOUSE_UNKNOWN_SKU={policy!r} is not one of {list(UNKNOWN_SKU_POLICIES)}",
                              id="onewarehouse.E005"))
    if settings.ONEWAREHOUSE_ENV not in settings.ONEWAREHOUSE_KEYS:
        problems.append(Error(f"ONEWAREHOUSE_ENV={settings.ONEWAREHOUSE_ENV!r} is not one of "
                              f"{sorted(settings.ONEWAREHOUSE_KEYS)}", id="onewarehouse.E002"))
    for entry in allowed_networks(settings.ONEWAREHOUSE_ALLOWED_IPS):
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            problems.append(Error(f"ONEWAREHOUSE_ALLOWED_IPS: {entry!r} is not an address or CIDR",
                                  id="onewarehouse.E003"))
    if mode == SignatureMode.NONE and not allowed_networks(settings.ONEWAREHOUSE_ALLOWED_IPS):
        problems.append(Warning(NONE_WITHOUT_ALLOW_LIST, id="onewarehouse.W001"))
    return problems
