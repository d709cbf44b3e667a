"""Validation of what the WMS sends to the fake OneWarehouse (the contract's three calls), field by field, with the
errors named by dotted path as the contract's envelope wants (``items.0.good_qty``)."""

from rest_framework import serializers

from .payloads import INBOUND_CALLBACK_STATUS_COMPLETED, OUTBOUND_CALLBACK_STATUS_SHIPPED, ReceivedKind


class InboundCallbackItem(serializers.Serializer):
    sku_id = serializers.CharField(max_length=64)
    expected_qty = serializers.IntegerField(min_value=0)
    received_qty = serializers.IntegerField(min_value=0)
    good_qty = serializers.IntegerField(min_value=0)
    damaged_qty = serializers.IntegerField(min_value=0)

    def validate(self, attrs):
        if attrs["good_qty"] + attrs["damaged_qty"] != attrs["received_qty"]:
            raise serializers.ValidationError({"received_qty": ["must equal good_qty + damaged_qty"]})
        return attrs


class InboundCallback(serializers.Serializer):
    inbound_order_no = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=[INBOUND_CALLBACK_STATUS_COMPLETED])
    completed_time = serializers.DateTimeField()
    items = InboundCallbackItem(many=True, allow_empty=False)


class LabelRequest(serializers.Serializer):
    outbound_order_no = serializers.CharField(max_length=100)


class PackageItem(serializers.Serializer):
    sku_id = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1)


class Package(serializers.Serializer):
    package_no = serializers.CharField(max_length=64)
    weight = serializers.DecimalField(max_digits=12, decimal_places=3, min_value=0)
    length = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    width = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    height = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    items = PackageItem(many=True, allow_empty=False)


class OutboundCallback(serializers.Serializer):
    outbound_order_no = serializers.CharField(max_length=100)
    status = serializers.ChoiceField(choices=[OUTBOUND_CALLBACK_STATUS_SHIPPED])
    shipped_time = serializers.DateTimeField()
    tracking_no = serializers.CharField(max_length=64)
    packages = Package(many=True, allow_empty=False)


SERIALIZERS = {
    ReceivedKind.INBOUND_CALLBACK: InboundCallback,
    ReceivedKind.LABEL: LabelRequest,
    ReceivedKind.OUTBOUND_CALLBACK: OutboundCallback,
}


def flatten_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"a.0.b": ["message", ...]}``."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = prefix if key == "non_field_errors" and prefix else (f"{prefix}.{key}" if prefix else str(key))
            for path, messages in flatten_errors(value, name).items():
                flat.setdefault(path, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            flat[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    flat.update(flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "non_field_errors"] = [str(detail)]
    return flat


def payload_validate(*, kind: str, payload) -> tuple[dict | None, dict[str, list[str]]]:
    """``(validated data, {})`` or ``(None, errors by dotted path)``."""
    serializer = SERIALIZERS[ReceivedKind(kind)](data=payload)
    if serializer.is_valid():
        return serializer.validated_data, {}
    return None, flatten_errors(serializer.errors)
