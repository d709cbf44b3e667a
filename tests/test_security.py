import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def test_debug_is_off_by_default():
    assert settings.DEBUG is False  # `make run` turns it on for the demo only


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update({
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "wms.example.com",
        "DJANGO_SECURE_SSL_REDIRECT": "true",
        "DJANGO_HSTS_SECONDS": "31536000",
        "DJANGO_BEHIND_TLS_PROXY": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    })
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_secret_has_a_default_in_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONEWAREHOUSE_", "ONE_", "DJANGO_SECRET"))}
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.ONE_API_KEY, s.ONE_TENANT] + [v for k in s.ONEWAREHOUSE_KEYS.values() "
        "for n, v in k.items() if 'secret' in n or 'key' in n]))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                            env={**env, "DJANGO_SETTINGS_MODULE": "wms.settings"})
    assert result.returncode == 0, result.stderr
    assert set(json.loads(result.stdout)) == {""}
