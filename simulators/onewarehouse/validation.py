"""Validation of what the WMS sends to the fake OneWarehouse, with the serializers the profile declares for each
call (``Outgoing.request``: how OneWarehouse validates it), errors named by dotted path (``items.0.good_qty``)."""

from integrations.onewarehouse.profiles.base import Profile
from integrations.onewarehouse.serializers import errors_flatten

from .payloads import RECEIVED_CALLS, ReceivedKind


def payload_validate(*, profile: Profile, kind: str, payload) -> tuple[dict | None, dict[str, list[str]]]:
    """``(validated data, {})`` or ``(None, errors by dotted path)``."""
    serializer = profile.outgoing[RECEIVED_CALLS[ReceivedKind(kind)]].request(data=payload)
    if serializer.is_valid():
        return serializer.validated_data, {}
    return None, errors_flatten(serializer.errors)
