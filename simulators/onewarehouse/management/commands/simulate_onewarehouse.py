"""Plays a scenario of OneWarehouse pushes against a running WMS and checks every answer against the contract:

    python manage.py simulate_onewarehouse --scenario happy-path --count 3 [--wms-url http://127.0.0.1:8000]

Prints a table (endpoint, HTTP status, code, msg, expected) and exits non-zero when an answer deviates.
"""

from django.core.management.base import BaseCommand, CommandError

from simulators.onewarehouse import payloads
from simulators.onewarehouse.scenarios import SCENARIOS, scenario_run


class Command(BaseCommand):
    help = "Push a scenario to the WMS as OneWarehouse would, and check the answers against the contract."

    def add_arguments(self, parser):
        parser.add_argument("--scenario", required=True, choices=SCENARIOS)
        parser.add_argument("--count", type=int, default=1, help="orders per scenario (burst: concurrent pushes)")
        parser.add_argument("--wms-url", default="", help="the WMS base URL (default SIMULATOR_WMS_BASE_URL)")
        parser.add_argument("--warehouse-code", default=payloads.EXAMPLE_WAREHOUSE_CODE)
        parser.add_argument("--owner-code", default=payloads.EXAMPLE_OWNER_CODE)

    def handle(self, *args, scenario: str, count: int, wms_url: str, warehouse_code: str, owner_code: str,
               **options):
        if count < 1:
            raise CommandError("--count must be at least 1")
        report = scenario_run(name=scenario, count=count, wms_url=wms_url, warehouse_code=warehouse_code,
                              owner_code=owner_code)
        self.stdout.write(report.table())
        if not report.ok:
            raise CommandError(f"scenario {scenario}: {sum(not r.ok for r in report.rows)} answers deviate "
                               "from the contract")
