from django.db import migrations

from wms.core.roles import roles_sync


def forwards(apps, schema_editor):
    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("catalog", "0001_initial"),
        ("inventory", "0001_initial"),
        ("inbound", "0001_initial"),
        ("outbound", "0001_initial"),
        ("outbox", "0001_initial"),
        ("apilog", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
