from django.core.management.base import BaseCommand, CommandError

from integrations.one import selectors, services
from integrations.one.models import OneReconciliation


class Command(BaseCommand):
    help = ("Read a warehouse's flagged products back from ONE and compare ONE's largestQuantity with our available. "
            "Prints the drift; exits non-zero if the read-back fails.")

    def add_arguments(self, parser):
        parser.add_argument("--warehouse", required=True, help="Our warehouse code.")
        parser.add_argument("--show", type=int, default=20, help="How many drifted products to list (default 20).")

    def handle(self, *args, warehouse, show=20, **options):
        publication = selectors.publication_by_warehouse_code(code=warehouse)
        if publication is None:
            raise CommandError(f"warehouse {warehouse} is not published to ONE")
        reconciliation = services.one_reconcile(publication_id=publication.pk)
        self.stdout.write(f"Reconciliation #{reconciliation.pk} {warehouse} → ONE {publication.one_warehouse_id}: "
                          f"{reconciliation.checked} product(s) checked, {reconciliation.drifted} drifted, "
                          f"{reconciliation.status}")
        for drift in selectors.drift_of(reconciliation=reconciliation)[:show]:
            theirs = "absent" if drift.theirs is None else drift.theirs.normalize()
            self.stdout.write(f"  {drift.product.sku_id}: ours {drift.ours}, ONE {theirs}")
        if reconciliation.status != OneReconciliation.Status.SUCCEEDED:
            raise CommandError(reconciliation.error)
