"""Label files move from MEDIA_ROOT (served under /media/ with DEBUG) to the private OUTBOUND_LABEL_ROOT."""

import shutil
from pathlib import Path

from django.conf import settings
from django.db import migrations, models

import wms.outbound.labels


def _move(apps, *, source: str, target: str) -> None:
    OutboundOrder = apps.get_model("outbound", "OutboundOrder")
    for name in OutboundOrder.objects.exclude(label_file="").values_list("label_file", flat=True).iterator():
        old, new = Path(source) / name, Path(target) / name
        if old.is_file() and not new.exists():
            new.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(old, new)


def labels_to_private_root(apps, schema_editor):
    _move(apps, source=settings.MEDIA_ROOT, target=settings.OUTBOUND_LABEL_ROOT)


def labels_to_media_root(apps, schema_editor):
    _move(apps, source=settings.OUTBOUND_LABEL_ROOT, target=settings.MEDIA_ROOT)


class Migration(migrations.Migration):

    dependencies = [
        ('outbound', '0003_roles_sync'),
    ]

    operations = [
        migrations.AlterField(
            model_name='outboundorder',
            name='label_file',
            field=models.FileField(blank=True, storage=wms.outbound.labels.label_storage, upload_to='%Y/%m/'),
        ),
        migrations.RunPython(labels_to_private_root, labels_to_media_root),
    ]
