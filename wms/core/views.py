"""The floor home: the big buttons a handheld user's roles open, and a scan field that opens an order's screen."""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse

from .floor import floor_code_resolvers, floor_sections
from .forms import field_error_texts, form_errors_report, typed
from .roles import user_has_role


class FloorHomeScanForm(forms.Form):
    code = forms.CharField(max_length=200, label="Order number or tracking code",
                           error_messages={"required": "Scan or type an order number or a tracking code."})


def floor_home(request):
    """GET: the sections the user's roles open. POST: the scanned code's screen, or the page again saying why not."""
    form = FloorHomeScanForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not form.is_valid():
            form_errors_report(request, form)
        else:
            code = form.cleaned_data["code"].strip()
            for resolver in floor_code_resolvers():
                url = resolver(code=code, user=request.user)
                if url:
                    return redirect(url)
            messages.error(request, f"{code}: no order or parcel you may work on has this number or tracking code.")
    sections = [{"section": section, "links": section.links(user=request.user),
                 "more": section.more() if section.more else ""}
                for section in floor_sections() if user_has_role(request.user, *section.roles)]
    return TemplateResponse(request, "admin/floor/home.html", {
        **admin.site.each_context(request), "title": "Floor", "sections": sections,
        "scan": {"label": "Scan an order number or a parcel's tracking code", "code": typed(form, "code"),
                 "errors": field_error_texts(form, "code"), "quantity": None, "button": "Open"},
    })
