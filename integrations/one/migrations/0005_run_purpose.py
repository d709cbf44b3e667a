"""One mode enum (``OnePublication.Mode``: how stock reaches ONE) and, apart, what a run is for (``Purpose``).

The run's old ``mode`` mixed both (FULL, INCREMENTAL next to BASELINE, SWITCH...): it becomes ``purpose``, with
INCREMENTAL renamed CHANGES; its ``endpoint_mode`` becomes ``mode``. A chunk's ``method`` (PUT/POST) is the same
mode (FULL/INCREMENTAL). The schedule's task takes a purpose instead of a request ("tick", "baseline").
"""

import json

from django.db import migrations, models

CHUNK_MODES = {"PUT": "FULL", "POST": "INCREMENTAL"}
SCHEDULE_PURPOSES = {"tick": "CHANGES", "baseline": "BASELINE"}
SCHEDULED_TASK = "integrations.one.tasks.one_sync_scheduled"


def _schedule_kwargs_map(apps, old_key, new_key, values):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for task in PeriodicTask.objects.filter(task=SCHEDULED_TASK):
        kwargs = json.loads(task.kwargs or "{}")
        if old_key in kwargs:
            value = kwargs.pop(old_key)
            kwargs[new_key] = values.get(value, value)
            task.kwargs = json.dumps(kwargs)
            task.save(update_fields=["kwargs"])


def forwards(apps, schema_editor):
    OneSyncRun = apps.get_model("one", "OneSyncRun")
    OneSyncChunk = apps.get_model("one", "OneSyncChunk")
    OneSyncRun.objects.filter(purpose="INCREMENTAL").update(purpose="CHANGES")
    # A run of the old FULL kind PUT everything, or nothing when nothing had changed.
    OneSyncRun.objects.filter(purpose="FULL", chunks_total=0).update(purpose="CHANGES")
    OneSyncRun.objects.filter(purpose="FULL").update(purpose="BASELINE")
    for old, new in CHUNK_MODES.items():
        OneSyncChunk.objects.filter(mode=old).update(mode=new)
    _schedule_kwargs_map(apps, "request", "purpose", SCHEDULE_PURPOSES)


def backwards(apps, schema_editor):
    OneSyncRun = apps.get_model("one", "OneSyncRun")
    OneSyncChunk = apps.get_model("one", "OneSyncChunk")
    OneSyncRun.objects.filter(purpose__in=["CHANGES", "BASELINE", "RESYNC"], mode="FULL").update(purpose="FULL")
    OneSyncRun.objects.filter(purpose="CHANGES").update(purpose="INCREMENTAL")
    for old, new in CHUNK_MODES.items():
        OneSyncChunk.objects.filter(mode=new).update(mode=old)
    _schedule_kwargs_map(apps, "purpose", "request", {new: old for old, new in SCHEDULE_PURPOSES.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('django_celery_beat', '0019_alter_periodictasks_options'),
        ('one', '0004_publication'),
    ]

    operations = [
        migrations.RenameField(model_name='onesyncrun', old_name='mode', new_name='purpose'),
        migrations.RenameField(model_name='onesyncrun', old_name='endpoint_mode', new_name='mode'),
        migrations.RenameField(model_name='onesyncchunk', old_name='method', new_name='mode'),
        migrations.AlterField(
            model_name='onesyncchunk',
            name='mode',
            field=models.CharField(choices=[('FULL', 'Full (PUT replaces the whole warehouse)'),
                                            ('INCREMENTAL', 'Incremental (POST changed products, chunked)')],
                                   max_length=12),
        ),
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name='onesyncrun',
            name='mode',
            field=models.CharField(choices=[('FULL', 'Full (PUT replaces the whole warehouse)'),
                                            ('INCREMENTAL', 'Incremental (POST changed products, chunked)')],
                                   help_text="The publication's mode when the run was built.", max_length=12),
        ),
        migrations.AlterField(
            model_name='onesyncrun',
            name='purpose',
            field=models.CharField(choices=[('CHANGES', 'Changes (captured since the last sync)'),
                                            ('BASELINE', 'Baseline (every published product)'),
                                            ('SWITCH', 'Mode switch (remove all, then a baseline by the new mode)'),
                                            ('RESYNC', 'Resync of selected products'),
                                            ('WITHDRAW',
                                             'Withdraw (remove every id ONE holds; the publication is disabled)')],
                                   max_length=10),
        ),
    ]
