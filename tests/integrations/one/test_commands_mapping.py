import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from integrations.one.models import OnePublication

pytestmark = pytest.mark.django_db


def test_one_publication_command_maps_once_and_then_leaves_it(warehouse, capsys):
    call_command("one_mapping", "--warehouse", warehouse.code, "--one-warehouse", "WRO")
    assert "now published to ONE as WRO (INCREMENTAL)" in capsys.readouterr().out
    call_command("one_mapping", "--warehouse", warehouse.code, "--one-warehouse", "OTHER", "--mode", "full")
    assert "is published to ONE as WRO (INCREMENTAL)" in capsys.readouterr().out
    assert OnePublication.objects.get().one_warehouse_id == "WRO"


def test_one_publication_command_refuses_an_unknown_warehouse(db):
    with pytest.raises(CommandError, match="no warehouse NOPE"):
        call_command("one_mapping", "--warehouse", "NOPE", "--one-warehouse", "WRO")
