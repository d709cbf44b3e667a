"""The receive page's form: typed counts per line and one scan (code, units, damaged)."""

from django import forms

from wms.core.forms import StrictIntegerField

from .services import LineCount


class ReceiveForm(forms.Form):
    code = forms.CharField(required=False, max_length=200, label="Scanned code")
    quantity = StrictIntegerField(min_value=1, blank_means=1, label="Units per scan",
                                  error_messages={"min_value": "A scan adds at least one unit."})
    scan_damaged = forms.BooleanField(required=False, label="Damaged unit")
    # The "Complete receipt" submit button: posted (with any text) only when it was the button pressed.
    complete = forms.BooleanField(required=False, label="Complete receipt")
    # The "Save counts" submit button: pressed with nothing new to save, the page says so rather than nothing.
    save = forms.BooleanField(required=False, label="Save counts")

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            sku = line.product.sku_id
            # A count is a field only where the page posted it (a scan from the queue posts none): a count that
            # is posted must be a number, a blank one is refused rather than read as 0.
            for name, label in ((self.good_name(line), f"{sku} good"), (self.damaged_name(line), f"{sku} damaged")):
                if not self.is_bound or name in self.data:
                    self.fields[name] = StrictIntegerField(label=label)

    @staticmethod
    def good_name(line) -> str:
        return f"good_{line.pk}"

    @staticmethod
    def damaged_name(line) -> str:
        return f"damaged_{line.pk}"

    def counts(self) -> list[LineCount]:
        """The lines with a posted count; a count not posted stays as it is."""
        clean = self.cleaned_data
        return [LineCount(line.pk, clean.get(self.good_name(line), line.received_good),
                          clean.get(self.damaged_name(line), line.received_damaged))
                for line in self.lines if self.good_name(line) in clean or self.damaged_name(line) in clean]

    def scan_quantity(self) -> int:
        return self.cleaned_data["quantity"]


class PutawayForm(forms.Form):
    """The putaway screen: the task shown (``task``), the bin scanned (``code``) and the units put there."""

    task = StrictIntegerField(required=False, min_value=1, label="Task")
    code = forms.CharField(max_length=64, label="Bin", error_messages={"required": "Scan the bin's barcode."})
    quantity = StrictIntegerField(min_value=1, label="Units put away",
                                  error_messages={"min_value": "At least one unit."})

    def service_errors(self, errors: dict) -> None:
        """Put a refusal of ``putaway_task_complete`` (its error keys) on this form's fields."""
        fields = {"location_barcode": "code", "quantity": "quantity", "to_location": "code"}
        for key, texts in errors.items():
            for text in texts:
                self.add_error(fields.get(key), text)
