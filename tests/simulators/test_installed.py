"""The simulators are part of a deployment only when SIMULATORS_ENABLED says so: off, their apps (and so their
tables, migrations and commands) are not installed and no URL of theirs answers. Each case runs the project's own
settings in a fresh ``manage.py`` process, as a deployment would (the tests' settings install them always)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIMULATOR_APPS = {"simulators.onewarehouse", "simulators.one", "simulators.demo"}
SIMULATOR_LABELS = {"onewarehouse_simulator", "one_simulator", "demo"}
PROBE = """
import json
from django.apps import apps
from django.core.management import get_commands
from django.db.migrations.loader import MigrationLoader
from django.test import Client

client = Client()
print(json.dumps({
    "apps": sorted(config.name for config in apps.get_app_configs()),
    "migrated": sorted(MigrationLoader(None, ignore_no_migrations=True).migrated_apps),
    "commands": sorted(get_commands()),
    "status": {url: client.get(url).status_code
               for url in ("/simulators/onewarehouse/", "/simulators/one/", "/admin/login/")},
}))
"""


def _project_state(tmp_path, enabled: str) -> dict:
    env = {name: value for name, value in os.environ.items() if name != "SIMULATORS_ENABLED"}
    # Plain static storage: pages render without a collected manifest, as in the other tests.
    env.update(DJANGO_SETTINGS_MODULE="wms.settings", SIMULATORS_ENABLED=enabled, DJANGO_DEBUG="false",
               STATICFILES_STORAGE="django.contrib.staticfiles.storage.StaticFilesStorage",
               DATABASE_URL=f"sqlite:///{tmp_path / 'probe.sqlite3'}")
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c", PROBE], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_simulators_off_nothing_of_theirs_is_installed_or_mounted(tmp_path):
    state = _project_state(tmp_path, "false")
    assert SIMULATOR_APPS.isdisjoint(state["apps"])
    assert not any(app.startswith("simulators") for app in state["apps"])
    assert SIMULATOR_LABELS.isdisjoint(state["migrated"])
    assert {"demo_setup", "simulator_demo_env", "simulate_onewarehouse"}.isdisjoint(state["commands"])
    assert state["status"] == {"/simulators/onewarehouse/": 404, "/simulators/one/": 404, "/admin/login/": 200}


@pytest.mark.parametrize("enabled", ["true", "1"])
def test_with_simulators_on_their_apps_commands_and_pages_are_there(tmp_path, enabled):
    state = _project_state(tmp_path, enabled)
    assert SIMULATOR_APPS <= set(state["apps"])
    assert {"onewarehouse_simulator", "one_simulator"} <= set(state["migrated"])
    assert {"demo_setup", "simulator_demo_env", "simulate_onewarehouse"} <= set(state["commands"])
    # The staff pages exist and send an anonymous visitor to the admin login.
    assert state["status"] == {"/simulators/onewarehouse/": 302, "/simulators/one/": 302, "/admin/login/": 200}
