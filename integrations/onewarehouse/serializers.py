"""Building blocks of the receiving API's serializers, free of OneWarehouse's field names.

The payload serializers themselves sit in ``mapping.py`` (Incoming section), where every external name lives;
here are the field types they share, ``payload_validate`` (a payload checked without building its serializer
again), and the one function that turns DRF's nested errors into the contract's ``errors`` object keyed by field
path (``items.0.quantity``, ``recipient.city``).

The field types are strict about JSON types: a text field takes only a JSON string, a whole-number field only
a JSON integer (DRF would turn ``1e30`` into text and ``"3.0"`` into 3). Every payload field of text or whole
numbers is one of them (a test walks the payloads to keep it so).
"""

import threading

from django.core.validators import MinValueValidator
from rest_framework import serializers
from rest_framework.settings import api_settings

QUANTITY_MAX = 2_147_483_647  # what the order line columns hold


class StrictCharField(serializers.CharField):
    """Text, and only a JSON string: DRF's CharField would turn a number into text (``sku_id: 1e30``)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    """One of the choices, given as a JSON string (DRF's ChoiceField compares ``str(data)``)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer, and only that: DRF's IntegerField takes "3", " 4 ", "3.0" and 2.0 as whole numbers."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class OptionalText(StrictCharField):
    """An optional string: absent, null and "" all mean empty (stored as "")."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class Quantity(StrictIntegerField):
    """A whole number of units, at least 1."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_value", QUANTITY_MAX)
        kwargs.setdefault("validators", [MinValueValidator(1, message="Ensure this value is greater than 0.")])
        super().__init__(**kwargs)


class OptionalDecimal(serializers.DecimalField):
    """An optional amount or measure, never negative; extra decimals are rounded rather than refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("rounding", "ROUND_HALF_UP")
        super().__init__(**kwargs)


def errors_flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as ``{"a.0.b": ["message", ...]}``.

    A nested object's own errors (e.g. "expected a dictionary") are reported at the object's path.
    """
    if isinstance(detail, dict):
        flat = {}
        for key, value in detail.items():
            if key == api_settings.NON_FIELD_ERRORS_KEY and prefix:
                path = prefix
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for sub_path, messages in errors_flatten(value, path).items():
                flat.setdefault(sub_path, []).extend(messages)
        return flat
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            if isinstance(item, str):
                flat.setdefault(prefix, []).append(str(item))
            elif item:
                flat.update(errors_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or api_settings.NON_FIELD_ERRORS_KEY: [str(detail)]}


_validators = threading.local()


def payload_validate(serializer_class: type[serializers.Serializer], payload: dict) -> tuple[dict | None, dict | None]:
    """(validated data, None), or (None, the errors) as ``serializer_class(data=payload).is_valid()`` gives them,
    without building the serializer's fields again for every push (DRF deep-copies every declared field of every
    nested serializer per instance: a sixth of a push's time). One instance per class and thread validates every
    payload: ``run_validation`` keeps nothing on the instance, as a ``ListSerializer`` already reuses its child for
    every item. The payload serializers' ``validate`` methods read only their arguments and class constants."""
    by_class = getattr(_validators, "by_class", None)
    if by_class is None:
        by_class = _validators.by_class = {}
    validator = by_class.get(serializer_class)
    if validator is None:
        validator = by_class[serializer_class] = serializer_class()
    try:
        return validator.run_validation(payload), None
    except serializers.ValidationError as exc:
        return None, exc.detail
