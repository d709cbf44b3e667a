from django.core.management.base import BaseCommand, CommandError

from integrations.one.models import OneWarehouseMapping
from integrations.one.services import one_mapping_create
from wms.core.actors import actor_command
from wms.core.errors import DomainError
from wms.inventory.models import Warehouse


class Command(BaseCommand):
    help = "Publish a warehouse to ONE under a ONE warehouse id (does nothing if it is mapped already)."

    def add_arguments(self, parser):
        parser.add_argument("--warehouse", required=True, help="our warehouse code")
        parser.add_argument("--one-warehouse", required=True, help="the warehouse id on ONE")
        parser.add_argument("--mode", choices=[m.value.lower() for m in OneWarehouseMapping.Mode],
                            default=OneWarehouseMapping.Mode.INCREMENTAL.value.lower())

    def handle(self, *args, warehouse, one_warehouse, mode, **options):
        ours = Warehouse.objects.filter(code=warehouse).first()
        if ours is None:
            raise CommandError(f"no warehouse {warehouse}")
        existing = OneWarehouseMapping.objects.filter(warehouse=ours).first()
        if existing is not None:
            self.stdout.write(f"{warehouse} is published to ONE as {existing.one_warehouse_id} ({existing.mode}).")
            return
        try:
            mapping = one_mapping_create(warehouse=ours, one_warehouse_id=one_warehouse, mode=mode.upper(),
                                         actor=actor_command("one_mapping"))
        except DomainError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"{warehouse} is now published to ONE as {mapping.one_warehouse_id} ({mapping.mode})."))
