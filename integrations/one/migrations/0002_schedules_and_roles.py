"""The ONE schedule as django-celery-beat rows (editable in admin), and the Supervisor's permissions.

A migration, not ``CELERY_BEAT_SCHEDULE``: the database scheduler rewrites entries of that setting every time beat
starts, which would undo what staff change in admin. Rows are only created if missing.
"""

import json

from django.db import migrations

from wms.core.roles import roles_sync

SCHEDULES = [
    # name, task, kwargs, interval (minutes) or crontab (minute, hour)
    ("ONE stock sync: incremental", "integrations.one.tasks.one_sync_scheduled", {"request": "tick"}, 2, None),
    ("ONE stock sync: nightly baseline", "integrations.one.tasks.one_sync_scheduled", {"request": "baseline"},
     None, ("0", "2")),
    ("ONE stock reconciliation: nightly", "integrations.one.tasks.one_reconcile_scheduled", {}, None, ("30", "3")),
]


def schedules_create(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    for name, task, kwargs, every_minutes, cron in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        fields = {"task": task, "kwargs": json.dumps(kwargs), "enabled": True}
        if every_minutes:
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(every=every_minutes, period="minutes")
        else:
            minute, hour = cron
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(
                minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC")
        PeriodicTask.objects.create(name=name, **fields)


def schedules_delete(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


def roles_forwards(apps, schema_editor):
    roles_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("one", "0001_initial"),
        ("core", "0001_roles"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedules_create, schedules_delete),
        migrations.RunPython(roles_forwards, migrations.RunPython.noop),
    ]
