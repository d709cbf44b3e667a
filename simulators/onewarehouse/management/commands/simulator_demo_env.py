"""Environment for a demo where the WMS talks to the simulators on this machine: random keys (made once, kept on
later runs so that restarts agree) and the base URLs of the simulators on the WMS's own port.

    python manage.py simulator_demo_env --port 8000 --write var/simulators.env
    set -a; . var/simulators.env; set +a      # or: honcho start -e var/simulators.env ...

Without ``--write`` it prints the lines. Secrets are never printed when written to a file.
"""

import secrets
from pathlib import Path

from django.core.management.base import BaseCommand


def _read(path: Path) -> dict[str, str]:
    values = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                name, value = line.split("=", 1)
                values[name.strip()] = value.strip()
    return values


class Command(BaseCommand):
    help = "Write (or print) the environment that points the WMS at the simulators, with random keys."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000, help="the port the WMS (and simulators) listen on")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--env", default="sandbox", choices=["sandbox", "production"])
        parser.add_argument("--write", default="", help="file to create or complete (existing keys are kept)")

    def handle(self, *args, port: int, host: str, env: str, write: str, **options):
        prefix = f"ONEWAREHOUSE_{env.upper()}"
        base = f"http://{host}:{port}"
        existing = _read(Path(write)) if write else {}
        wanted = {
            "SIMULATORS_ENABLED": "true",
            "ONEWAREHOUSE_ENV": env,
            f"{prefix}_BASE_URL": f"{base}/simulators/onewarehouse",
            "ONE_BASE_URL": f"{base}/simulators/one",
            "SIMULATOR_WMS_BASE_URL": base,
            # The simulator answers label_url on this machine (127.0.0.1): the label download may go there.
            "ONEWAREHOUSE_LABEL_ALLOW_PRIVATE": "true",
        }
        keys = {
            f"{prefix}_PUSH_APP_KEY": "sim-push-" + secrets.token_hex(4),
            f"{prefix}_PUSH_APP_SECRET": secrets.token_urlsafe(24),
            f"{prefix}_APP_KEY": "sim-app-" + secrets.token_hex(4),
            f"{prefix}_APP_SECRET": secrets.token_urlsafe(24),
            "ONE_TENANT": "sim-tenant",
            "ONE_API_KEY": secrets.token_urlsafe(24),
        }
        values = {**keys, **existing, **wanted}  # URLs follow --port; keys already made are kept
        text = "".join(f"{name}={value}\n" for name, value in values.items())
        if not write:
            self.stdout.write(text, ending="")
            return
        path = Path(write)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.write_text(text)
        self.stdout.write(f"Simulator environment in {path} (keys {'kept' if existing else 'made'}).")
