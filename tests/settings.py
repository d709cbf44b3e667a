"""The settings the tests run with (pytest.ini): the project's own, with the simulators' apps installed so that
their tables exist and their commands run. SIMULATORS_ENABLED stays what the environment says (off by default, as
in production): a test that needs the simulators' URLs mounts them (the ``simulator_urls`` fixture)."""

from wms.settings import *  # noqa: F403
from wms.settings import INSTALLED_APPS, SIMULATOR_APPS

INSTALLED_APPS = [*INSTALLED_APPS, *(app for app in SIMULATOR_APPS if app not in INSTALLED_APPS)]
