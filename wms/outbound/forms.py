"""The floor's outbound forms: the pick page (typed counts, one scan, the short-pick note) and the pack page."""

from decimal import Decimal

from django import forms

from wms.core.forms import StrictDecimalField, StrictIntegerField

from .models import Package, ShortPick
from .services import PackageSpec, PickCount

PACKAGE_MEASURES = ("weight_kg", "length_cm", "width_cm", "height_cm")
MEASURE_LABELS = {"weight_kg": "weight (kg)", "length_cm": "length (cm)", "width_cm": "width (cm)",
                  "height_cm": "height (cm)"}


class PickForm(forms.Form):
    code = forms.CharField(required=False, max_length=200, label="Scanned code")
    quantity = StrictIntegerField(min_value=1, blank_means=1, label="Units per scan",
                                  error_messages={"min_value": "A scan adds at least one unit."})
    note = forms.CharField(required=False, max_length=ShortPick._meta.get_field("note").max_length,
                           label="Short pick note")
    # The "Report short pick" submit button: posted (with any text) only when it was the button pressed.
    short = forms.BooleanField(required=False, label="Report short pick")
    # The "Save picked counts" submit button: pressed with nothing new to save, the page says so.
    save = forms.BooleanField(required=False, label="Save picked counts")

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            # Only where the page posted it (a scan from the queue posts no count); a posted blank is refused.
            if not self.is_bound or self.picked_name(line) in self.data:
                self.fields[self.picked_name(line)] = StrictIntegerField(label=f"{line.product.sku_id} picked")

    @staticmethod
    def picked_name(line) -> str:
        return f"picked_{line.pk}"

    def counts(self) -> list[PickCount]:
        """The lines with a posted count; a count not posted stays as it is."""
        return [PickCount(line.pk, self.cleaned_data[self.picked_name(line)])
                for line in self.lines if self.picked_name(line) in self.cleaned_data]

    def scan_quantity(self) -> int:
        return self.cleaned_data["quantity"]


class LabelRequestForm(forms.Form):
    """The order page's "Get shipping label" / "Fetch the label again" button: why, when a label is there already."""

    reason = forms.CharField(required=False, max_length=200, label="Why a new label",
                             error_messages={"max_length": "At most 200 characters."})


class PackForm(forms.Form):
    """``rows`` parcels: each its four measures and the units of each line in it; an empty row is ignored."""

    def __init__(self, *args, lines, rows: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines, self.rows = list(lines), range(1, rows + 1)
        for row in self.rows:
            for measure in PACKAGE_MEASURES:
                model_field = Package._meta.get_field(measure)
                self.fields[self.measure_name(row, measure)] = StrictDecimalField.for_model_field(
                    model_field, required=False, min_value=Decimal(1).scaleb(-model_field.decimal_places),
                    label=f"PKG-{row} {MEASURE_LABELS[measure]}")
            for line in self.lines:
                self.fields[self.items_name(row, line)] = StrictIntegerField(
                    blank_means=0, label=f"PKG-{row} {line.product.sku_id} units")

    @staticmethod
    def measure_name(row: int, measure: str) -> str:
        return f"p{row}_{measure}"

    @staticmethod
    def items_name(row: int, line) -> str:
        return f"p{row}_line_{line.pk}"

    def _row_used(self, row: int) -> bool:
        return any((self.data.get(self.measure_name(row, m)) or "").strip() for m in PACKAGE_MEASURES) or any(
            (self.data.get(self.items_name(row, line)) or "").strip() not in ("", "0") for line in self.lines)

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            if not self._row_used(row):
                continue
            for measure in PACKAGE_MEASURES:
                name = self.measure_name(row, measure)
                if name not in self.errors and cleaned.get(name) is None:
                    self.add_error(name, "Required for a package in use.")
        return cleaned

    def service_errors(self, errors: dict) -> None:
        """Put a refusal of ``outbound_order_pack`` on the fields it is about: ``packages.<i>.<measure>`` and
        ``packages.<i>.items[.<line>]`` on the i-th package in use, ``line.<id>`` on that line's units in the first
        package in use; anything else on the form as a whole."""
        used = [row for row in self.rows if self._row_used(row)]
        lines = {str(line.pk): line for line in self.lines}
        for key, texts in errors.items():
            parts, name = key.split("."), None
            if parts[0] == "packages" and len(parts) >= 3 and parts[1].isdecimal() and int(parts[1]) < len(used):
                row = used[int(parts[1])]
                if parts[2] in PACKAGE_MEASURES:
                    name = self.measure_name(row, parts[2])
                elif parts[2] == "items":
                    line = lines.get(parts[3]) if len(parts) > 3 else None
                    name = self.items_name(row, line or self.lines[0]) if self.lines else None
            elif parts[0] == "line" and len(parts) == 2 and parts[1] in lines and used:
                name = self.items_name(used[0], lines[parts[1]])
            for text in texts:
                self.add_error(name, text)

    def packages(self) -> list[PackageSpec]:
        return [PackageSpec(items={line.pk: self.cleaned_data[self.items_name(row, line)] for line in self.lines},
                            **{m: self.cleaned_data[self.measure_name(row, m)] for m in PACKAGE_MEASURES})
                for row in self.rows if self._row_used(row)]


class LabelCheckForm(forms.Form):
    """The label screen's scan: the printed label's barcode (its tracking code, or the order number)."""

    code = forms.CharField(max_length=200, label="Scanned label",
                           error_messages={"required": "Scan the printed label's barcode."})


class ShipScanForm(forms.Form):
    """The ship dock's scan: a parcel's tracking code or its order number."""

    code = forms.CharField(max_length=200, label="Scanned parcel",
                           error_messages={"required": "Scan a parcel's label or type its order number."})
