"""The Supervisor's stock adjustment: one signed change of one level, with a reason code (and a note for OTHER).
The admin page and the ``stock_adjust`` command both read it through this form."""

from django import forms

from wms.core.forms import POSITIVE_INT_MAX, StrictIntegerField

from .models import AdjustReason, StockMove


class StockAdjustForm(forms.Form):
    delta = StrictIntegerField(min_value=-POSITIVE_INT_MAX, label="Change (units, + or −)",
                               help_text="Signed: -2 takes two units away, 3 adds three.")
    reason = forms.ChoiceField(choices=AdjustReason.choices, label="Reason")
    note = forms.CharField(required=False, max_length=StockMove._meta.get_field("note").max_length, label="Note",
                           widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                           help_text="What was found or done; required when the reason is Other.")
    damaged = forms.BooleanField(required=False, label="Adjust the damaged units (not the sellable ones)")
    location = forms.CharField(required=False, max_length=64, label="Location (code or barcode)",
                               help_text="Empty: units found go to the default bin (damaged: quarantine), units lost "
                                         "come from the default bin, then the bins in pick-path order.")

    def clean_delta(self):
        delta = self.cleaned_data["delta"]
        if delta == 0:
            raise forms.ValidationError("Enter a change other than 0.")
        return delta

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == AdjustReason.OTHER and not (cleaned.get("note") or "").strip():
            self.add_error("note", "Required when the reason is Other.")
        return cleaned

    def service_errors(self, errors: dict) -> None:
        """Put a refusal of ``stock_adjust`` (its error keys) on this form's fields."""
        fields = {"quantity": "delta", "reason": "reason", "note": "note", "location": "location"}
        for key, texts in errors.items():
            for text in texts:
                self.add_error(fields.get(key), text)
