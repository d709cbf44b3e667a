"""Serves the simulators alone (``standalone_urls``) on their own port, e.g. while the WMS runs elsewhere:

    python manage.py run_onewarehouse_simulator --port 8100

Then point the WMS at it: ONEWAREHOUSE_SANDBOX_BASE_URL=http://127.0.0.1:8100/simulators/onewarehouse and
ONE_BASE_URL=http://127.0.0.1:8100/simulators/one. It uses the same database as the WMS's settings say.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.core.servers import basehttp
from django.core.wsgi import get_wsgi_application

STANDALONE_URLCONF = "simulators.onewarehouse.standalone_urls"


class Command(BaseCommand):
    help = "Serve only the simulators' URLs (OneWarehouse and ONE) on their own port."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8100)
        parser.add_argument("--addr", default="127.0.0.1")

    def handle(self, *args, port: int, addr: str, **options):
        settings.ROOT_URLCONF = STANDALONE_URLCONF
        self.stdout.write(
            f"Simulators on http://{addr}:{port}/simulators/onewarehouse/ and http://{addr}:{port}/simulators/one/ "
            f"(pushes go to {settings.SIMULATOR_WMS_BASE_URL}); Ctrl-C stops."
        )
        basehttp.run(addr, port, get_wsgi_application(), threading=True)
