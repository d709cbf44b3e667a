"""Settings for bench/webhook_intake.py's gunicorn: the product's settings, served with the bench's floor URL."""

from wms.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls_bench"
