"""Every move names who made it: a username, or ``system:<name>`` for the system (wms.core.actors)."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def actors_backfill(apps, schema_editor):
    """Moves made before the column: the user's name; moves without a user were the system's, unnamed then."""
    StockMove = apps.get_model("inventory", "StockMove")
    User = apps.get_model(settings.AUTH_USER_MODEL)
    StockMove.objects.filter(user__isnull=False).update(
        actor=Subquery(User.objects.filter(pk=OuterRef("user_id")).values("username")[:1]))
    StockMove.objects.filter(actor="").update(actor="system:before-actors")


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0002_stock_move_adjust_reason"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stockmove",
            name="actor",
            field=models.CharField(default="", help_text="Who made the move: a username, or system:<name>.",
                                   max_length=160),
            preserve_default=False,
        ),
        migrations.RunPython(actors_backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="stockmove",
            constraint=models.CheckConstraint(condition=models.Q(("actor", ""), _negated=True),
                                              name="stock_move_has_actor"),
        ),
    ]
