import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_setup_is_idempotent_and_consistent(capsys):
    call_command("demo_setup")
    call_command("demo_setup")
    call_command("stock_verify")
    assert "agree" in capsys.readouterr().out
