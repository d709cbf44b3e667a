"""``OneWarehouseMapping`` is what it is: our warehouse published to a ONE warehouse (``OnePublication``). A rename:
the table, its rows and the foreign keys to it are kept."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0002_stock_move_adjust_reason'),
        ('one', '0003_held_stock_and_changes'),
    ]

    operations = [
        migrations.RenameModel(old_name='OneWarehouseMapping', new_name='OnePublication'),
        migrations.AlterModelOptions(
            name='onepublication',
            options={'ordering': ['warehouse__code'], 'verbose_name': 'ONE publication'},
        ),
        migrations.AlterField(
            model_name='onepublication',
            name='warehouse',
            field=models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='one_publication',
                                       to='inventory.warehouse'),
        ),
    ]
