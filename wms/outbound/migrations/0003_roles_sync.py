from django.db import migrations

from wms.core.roles import roles_sync


def forwards(apps, schema_editor):
    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_roles"), ("outbound", "0002_flows_pick_pack_putback")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
