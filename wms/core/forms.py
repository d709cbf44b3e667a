"""How every staff form reads what was typed: strict number fields and one way to report a form's errors.

Django's own number fields are lenient in ways that reach the database or the services as surprises: its
``IntegerField`` runs ``int()``, which reads ``"1_1"`` as 11 and ``" 4 "`` as 4, and drops a trailing ``".0"``;
``Decimal()`` reads ``"1_1"`` and exponents too. The fields here accept plain ASCII digits only, and their limits
default to what the database column holds, so a typed value is either stored as typed or refused with a message that
names the field. A page re-renders what was typed (``typed``) next to the messages (``form_errors_report``).

A decimal comma is read as the decimal point in decimal fields (``"1,5"`` is 1.5: handhelds with a European keyboard
offer only the comma); a number never has both, and no thousands separators are read. Whole-number fields (units)
refuse a comma or a point with a message saying so: ``"3,0"`` or ``"1,000"`` could be three or a thousand.
"""

import re
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from wms.core.db import INTEGER_COLUMN_MAX

# A form refuses what the column could not hold (wms.core.db).
POSITIVE_INT_MAX = INTEGER_COLUMN_MAX

# Bounded so that an absurdly long string is refused by the pattern, never handed to int() (which refuses more than
# 4,300 digits with an error of its own) or Decimal().
_INTEGER = re.compile(r"-?[0-9]{1,40}")
_DECIMAL = re.compile(r"-?(?:[0-9]{1,40}(?:[.,][0-9]{0,40})?|[.,][0-9]{1,40})")
_HAS_SEPARATOR = re.compile(r"-?[0-9]*[.,][0-9]*")


class StrictIntegerField(forms.IntegerField):
    """A whole number typed as ASCII digits (an optional leading minus), within the column's limits.

    Refused: blanks around the digits, ``"3.0"`` and ``"3,0"`` (with their own message), ``"1_1"``, ``"²"`` (a digit
    to ``str.isdigit()`` that ``int()`` refuses), exponents. The bounds default to a PositiveIntegerField column
    (0 .. 2,147,483,647).
    """

    default_error_messages = {"invalid": "Enter a whole number (digits 0-9 only).",
                              "separator": "Enter a whole number, without a decimal comma or point (digits 0-9 only)."}
    # A text input: a number input drops what the browser cannot parse, so a refused value could not be shown.
    widget = forms.TextInput

    def __init__(self, *, min_value=0, max_value=POSITIVE_INT_MAX, blank_means: int | None = None, **kwargs):
        """``blank_means``: what an empty input stands for where blank has a meaning (a scan of one unit, no units of
        a line in a parcel); such a field is never required."""
        self.blank_means = blank_means
        if blank_means is not None:
            kwargs["required"] = False
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        return self.blank_means if value is None and self.blank_means is not None else value

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, bool):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and _HAS_SEPARATOR.fullmatch(value):
            raise ValidationError(self.error_messages["separator"], code="separator")
        if not isinstance(value, str) or not _INTEGER.fullmatch(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "numeric"}


class StrictDecimalField(forms.DecimalField):
    """A decimal typed as ASCII digits with an optional decimal point or comma (``"0,65"`` is 0.65); NaN,
    infinities, exponents, thousands separators (``"1.234,5"``) and ``"1_1"`` refused.

    ``for_model_field`` takes ``max_digits`` and ``decimal_places`` from a model's DecimalField, so the form refuses
    what the column could not store (``99999999`` cm, ``1e7`` kg) instead of the database answering 500.
    """

    default_error_messages = {"invalid": "Enter a number (digits 0-9 and one decimal comma or point only)."}
    widget = forms.TextInput

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "inputmode": "decimal"}

    @classmethod
    def for_model_field(cls, field: models.DecimalField, **kwargs) -> "StrictDecimalField":
        return cls(max_digits=field.max_digits, decimal_places=field.decimal_places, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValidationError(self.error_messages["invalid"], code="invalid")
            return value
        if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return Decimal(value.replace(",", "."))


def typed(form: forms.Form, name: str, default=""):
    """What the page shows in ``name``'s input: what was posted (even if refused), else ``default``."""
    if form.is_bound and name in form.data:
        return form.data.get(name)
    return default


def form_error_texts(form: forms.Form) -> list[str]:
    """Each error as "<field label>: <message>" (a form-wide error as it is)."""
    texts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        label = label or (name.replace("_", " ").capitalize() if name != NON_FIELD_ERRORS else "")
        texts += [f"{label}: {error}" if label else str(error) for error in errors]
    return texts


def form_errors_report(request, form: forms.Form) -> None:
    """Tell staff, one message per error, which field was refused and why."""
    for text in form_error_texts(form):
        messages.error(request, text)


def field_errors(form: forms.Form, name: str) -> list[str]:
    return list(form.errors.get(name, ())) if form.is_bound else []


# The largest primary key (BigAutoField): a larger number is no row's key, and the database driver refuses it.
BIG_INT_MAX = 2**63 - 1


def id_list_parse(raw: str) -> list[int]:
    """Comma-separated primary keys from a URL (a list action's ``?ids=``); anything but ASCII digits within a key's
    range is dropped (``str.isdigit()`` says yes to ``"²"``, which the database lookup then refuses with a 500)."""
    return [int(part) for part in raw.split(",")
            if _INTEGER.fullmatch(part) and not part.startswith("-") and int(part) <= BIG_INT_MAX]


def field_view(form: forms.Form, name: str, *, label: str = "", default="", inputmode: str = "") -> dict:
    """One typed field as a floor screen shows it (``templates/admin/floor/_field.html``): what was typed (even if
    refused) or ``default``, ``label`` on screen (default: the field's), its errors each naming the field by the
    form's label ("SKU-1 damaged: ..."), and the phone keyboard its numbers need. A field the form holds only where
    it was posted (a count beside a scan) is shown all the same."""
    field = form.fields.get(name)
    if not inputmode and isinstance(field, StrictIntegerField):
        inputmode = "numeric"
    elif not inputmode and isinstance(field, StrictDecimalField):
        inputmode = "decimal"
    full_label = field.label if field is not None and field.label else name
    return {"name": name, "label": label or full_label, "value": typed(form, name, default),
            "errors": [f"{full_label}: {error}" for error in field_errors(form, name)], "inputmode": inputmode}


def field_error_texts(form: forms.Form, *names: str) -> list[str]:
    """The errors of ``names``, each as "<field label>: <message>" (a scan field's errors under it)."""
    return [f"{form.fields[name].label or name}: {error}" if name in form.fields else str(error)
            for name in names for error in field_errors(form, name)]
