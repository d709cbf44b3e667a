"""The CSV (and spreadsheet) columns of locations for django-import-export: what admin's Import previews row by
row and Export writes. A row is saved through ``location_save`` (the Supervisor's step, ``Location.clean``), so an
import refuses exactly what the form refuses, with the row's errors named per column."""

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from wms.core.errors import DomainValidationError

from .models import Location, Warehouse
from .services import location_save


class KindWidget(widgets.Widget):
    """A kind by its value (STORAGE) or its words (Storage bin), in any case."""

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        if not text:
            return Location.Kind.STORAGE
        for kind in Location.Kind:
            if text.upper().replace(" ", "_") == kind.value or text.lower() == kind.label.lower():
                return kind.value
        raise ValueError(f"unknown kind {text!r}: one of {', '.join(Location.Kind.values)}")

    def render(self, value, obj=None, **kwargs):
        return value or ""


class WarehouseWidget(widgets.ForeignKeyWidget):
    def __init__(self):
        super().__init__(Warehouse, field="code")

    def clean(self, value, row=None, **kwargs):
        code = str(value or "").strip()
        warehouse = Warehouse.objects.filter(code=code).first()
        if warehouse is None:
            raise ValueError(f"no warehouse {code!r}")
        return warehouse


class ParentWidget(widgets.ForeignKeyWidget):
    """The parent by its code in the row's warehouse (a parent listed higher up in the same file is found)."""

    def __init__(self):
        super().__init__(Location, field="code")

    def clean(self, value, row=None, **kwargs):
        code = str(value or "").strip()
        if not code:
            return None
        parent = Location.objects.filter(warehouse__code=str((row or {}).get("warehouse") or "").strip(),
                                         code=code).first()
        if parent is None:
            raise ValueError(f"no location {code!r} in warehouse {(row or {}).get('warehouse')!r}")
        return parent


class LocationResource(resources.ModelResource):
    warehouse = fields.Field(attribute="warehouse", column_name="warehouse", widget=WarehouseWidget())
    parent = fields.Field(attribute="parent", column_name="parent", widget=ParentWidget())
    kind = fields.Field(attribute="kind", column_name="kind", widget=KindWidget())
    is_active = fields.Field(attribute="is_active", column_name="is_active", widget=widgets.BooleanWidget(),
                             default=True)
    is_blocked = fields.Field(attribute="is_blocked", column_name="is_blocked", widget=widgets.BooleanWidget(),
                              default=False)

    class Meta:
        model = Location
        fields = ("warehouse", "code", "barcode", "name", "kind", "zone", "parent", "pick_sequence", "is_active",
                  "is_blocked", "blocked_reason")
        export_order = fields
        import_id_fields = ("warehouse", "code")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = False  # location_save runs full_clean, the form's very rules

    def before_import_row(self, row, **kwargs):
        for key in ("code", "barcode", "zone", "warehouse", "parent"):
            if row.get(key) is not None:
                row[key] = str(row[key]).strip()

    def save_instance(self, instance, is_create, row, **kwargs):
        try:
            location_save(location=instance, actor=kwargs["user"])
        except DomainValidationError as exc:
            # import-export lists a ValidationError as this row's errors, by column.
            raise ValidationError(exc.errors or {"__all__": [exc.message]}) from exc
