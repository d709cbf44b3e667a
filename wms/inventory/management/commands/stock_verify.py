from django.core.management.base import BaseCommand, CommandError

from wms.inventory.selectors import stock_ledger_drift, stock_location_drift


class Command(BaseCommand):
    help = ("Recompute every stock level from the ledger, and check stock per location against the levels and the "
            "ledger; exit non-zero on any drift.")

    def handle(self, *args, **options):
        drift = stock_ledger_drift()
        for row in drift:
            where = f"{row.get('sku_id', row.get('product_id'))} @ {row.get('warehouse', row.get('warehouse_id'))}"
            self.stdout.write(f"DRIFT {where} {row['bucket']}: level={row['level']} ledger={row['ledger']}")
        located = stock_location_drift()
        for row in located:
            where = f"{row.get('sku_id', row.get('product_id'))} @ {row.get('warehouse', row.get('warehouse_id'))}"
            if row["bucket"] == "location":
                self.stdout.write(f"DRIFT {where} location {row['location']}: stock={row['stock']} "
                                  f"ledger={row['ledger']}")
            else:
                self.stdout.write(f"DRIFT {where} {row['bucket']}: level={row['level']} "
                                  f"locations={row['locations']}")
        if drift or located:
            raise CommandError(f"{len(drift)} stock level value(s) differ from the ledger, {len(located)} location "
                               "value(s) differ from the levels or the ledger")
        self.stdout.write(self.style.SUCCESS("Stock levels agree with the ledger, and stock per location with both."))
