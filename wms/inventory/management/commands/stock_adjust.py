from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from wms.catalog.models import Product
from wms.core.admin import domain_error_message
from wms.core.errors import DomainError
from wms.core.forms import form_error_texts
from wms.inventory.forms import StockAdjustForm
from wms.inventory.models import AdjustReason, Warehouse
from wms.inventory.selectors import location_id_for
from wms.inventory.services import stock_adjust


class Command(BaseCommand):
    help = ("Correct one stock level (a Supervisor's ADJUST move with a reason code); refused if on hand would go "
            "below 0 or below the reserved units.")

    def add_arguments(self, parser):
        parser.add_argument("--warehouse", required=True, help="warehouse code")
        parser.add_argument("--sku", required=True, help="the product's sku_id")
        parser.add_argument("--delta", required=True, help="signed change in units, e.g. -2 or 3")
        parser.add_argument("--reason", required=True, choices=AdjustReason.values)
        parser.add_argument("--note", default="", help="what happened (required with --reason OTHER)")
        parser.add_argument("--damaged", action="store_true", help="adjust the damaged units, not the sellable ones")
        parser.add_argument("--location", default="", help="the location's code or barcode (default: the default bin, "
                                                          "or quarantine with --damaged)")
        parser.add_argument("--user", required=True, help="username of the Supervisor making the adjustment")

    def handle(self, *args, **options):
        # The same form as the admin page, so the command refuses exactly what the page refuses.
        form = StockAdjustForm({"delta": options["delta"], "reason": options["reason"], "note": options["note"],
                                "damaged": options["damaged"], "location": options["location"]})
        if not form.is_valid():
            raise CommandError("; ".join(form_error_texts(form)))
        warehouse = Warehouse.objects.filter(code=options["warehouse"]).first()
        if warehouse is None:
            raise CommandError(f"Warehouse: no warehouse {options['warehouse']!r}")
        product = Product.objects.filter(sku_id=options["sku"]).first()
        if product is None:
            raise CommandError(f"SKU: no product {options['sku']!r}")
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"User: no user {options['user']!r}")
        data = form.cleaned_data
        try:
            move = stock_adjust(warehouse_id=warehouse.pk, product_id=product.pk, quantity=data["delta"],
                                reason=data["reason"], note=data["note"], damaged=data["damaged"], actor=user,
                                location_id=location_id_for(warehouse_id=warehouse.pk, code=data["location"]))
        except DomainError as exc:
            raise CommandError(domain_error_message(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{product.sku_id} @ {warehouse.code}: {move.get_kind_display()} {data['delta']:+d} ({move.reason}) "
            f"booked as move {move.pk}."))
