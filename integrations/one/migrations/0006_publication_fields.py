"""The foreign keys to ``OnePublication`` are called ``publication`` (were ``mapping``): a rename, the rows kept.

The two unique constraints name the field, so they are dropped and made again around the rename (the same columns).
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_one_publish'),
        ('one', '0005_run_purpose'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='oneheldstock',
            options={'ordering': ['publication_id', 'product_id'], 'verbose_name': 'stock held by ONE',
                     'verbose_name_plural': 'stock held by ONE'},
        ),
        migrations.AlterModelOptions(
            name='onestockchange',
            options={'ordering': ['publication_id', 'product_id'], 'verbose_name': 'ONE stock change'},
        ),
        migrations.RemoveConstraint(
            model_name='oneheldstock',
            name='one_held_product_unique',
        ),
        migrations.RemoveConstraint(
            model_name='onestockchange',
            name='one_change_product_unique',
        ),
        migrations.RenameField(
            model_name='oneheldstock',
            old_name='mapping',
            new_name='publication',
        ),
        migrations.RenameField(
            model_name='onereconciliation',
            old_name='mapping',
            new_name='publication',
        ),
        migrations.RenameField(
            model_name='onestockchange',
            old_name='mapping',
            new_name='publication',
        ),
        migrations.RenameField(
            model_name='onesyncrun',
            old_name='mapping',
            new_name='publication',
        ),
        migrations.AddConstraint(
            model_name='oneheldstock',
            constraint=models.UniqueConstraint(fields=('publication', 'product'), name='one_held_product_unique'),
        ),
        migrations.AddConstraint(
            model_name='onestockchange',
            constraint=models.UniqueConstraint(fields=('publication', 'product'), name='one_change_product_unique'),
        ),
    ]
