from django.core.management.base import BaseCommand, CommandError

from wms.inventory.selectors import stock_ledger_drift


class Command(BaseCommand):
    help = "Recompute every stock level from the ledger; exit non-zero if any level has drifted."

    def handle(self, *args, **options):
        drift = stock_ledger_drift()
        if not drift:
            self.stdout.write(self.style.SUCCESS("Stock levels agree with the ledger."))
            return
        for row in drift:
            where = f"{row.get('sku_id', row.get('product_id'))} @ {row.get('warehouse', row.get('warehouse_id'))}"
            self.stdout.write(f"DRIFT {where} {row['bucket']}: level={row['level']} ledger={row['ledger']}")
        raise CommandError(f"{len(drift)} stock level value(s) differ from the ledger")
