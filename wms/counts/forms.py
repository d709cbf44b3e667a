"""The count screen (scans and typed quantities, blind) and the Supervisor's review (approve with a reason, or
reject for a recount)."""

from django import forms

from wms.core.forms import StrictIntegerField
from wms.inventory.models import AdjustReason

from .models import CountTask


class CountForm(forms.Form):
    code = forms.CharField(required=False, max_length=200, label="Scanned code")
    quantity = StrictIntegerField(min_value=1, blank_means=1, label="Units per scan",
                                  error_messages={"min_value": "A scan counts at least one unit."})
    # The "Finish count" submit button.
    finish = forms.BooleanField(required=False, label="Finish count")

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            # Only where the page posted it (a scan from the queue posts no count); blank: not counted yet.
            if not self.is_bound or self.counted_name(line) in self.data:
                self.fields[self.counted_name(line)] = StrictIntegerField(
                    required=False, label=f"{line.product.sku_id} counted")

    @staticmethod
    def counted_name(line) -> str:
        return f"counted_{line.pk}"

    def counts(self) -> dict[int, int]:
        """The typed quantities that differ from what is saved (a blank leaves a line as it is)."""
        return {line.pk: self.cleaned_data[self.counted_name(line)] for line in self.lines
                if self.cleaned_data.get(self.counted_name(line)) is not None
                and self.cleaned_data[self.counted_name(line)] != line.counted}

    def service_errors(self, errors: dict) -> None:
        names = {f"line.{line.pk}": self.counted_name(line) for line in self.lines}
        for key, texts in errors.items():
            name = names.get(key) or (key if key in self.fields else None)
            for text in texts:
                self.add_error(name if name in self.fields else None, text)


class CountReviewForm(forms.Form):
    reason = forms.ChoiceField(choices=[("", "---------"), *AdjustReason.choices], required=False, label="Reason",
                               help_text="Why the stock differs; booked on each adjustment.")
    note = forms.CharField(required=False, max_length=CountTask._meta.get_field("reason_note").max_length,
                           label="Note", widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                           help_text="Required when the reason is Other; for a rejection, why it is recounted.")
    # Submit buttons: which decision.
    approve = forms.BooleanField(required=False, label="Approve and book the variance")
    reject = forms.BooleanField(required=False, label="Reject: count again")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("approve"):
            if not cleaned.get("reason"):
                self.add_error("reason", "Choose why the stock differs.")
            elif cleaned["reason"] == AdjustReason.OTHER and not (cleaned.get("note") or "").strip():
                self.add_error("note", "Required when the reason is Other.")
        elif not cleaned.get("reject"):
            raise forms.ValidationError("Approve or reject the count.")
        return cleaned

    def service_errors(self, errors: dict) -> None:
        for key, texts in errors.items():
            for text in texts:
                self.add_error(key if key in self.fields else None, text)
