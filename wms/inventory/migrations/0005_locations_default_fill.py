"""Every warehouse gets its default locations, and today's stock is put into them: each level's on-hand into the
default bin (A-DEFAULT), its damaged units into QUARANTINE, each written to the ledger as an OPENING move (no bucket
moves: the levels and ONE see nothing change), so that a location's stock is always the sum of its ledger moves."""

from django.db import migrations

# The defaults as wms.inventory.models.Location.DEFAULT_CODES had them when this ran (a migration keeps its copy).
DEFAULTS = (("RECEIVING", "DOCK", "Receiving dock"), ("STORAGE", "A-DEFAULT", "Storage bin"),
            ("PACKING", "PACK", "Packing"), ("QUARANTINE", "QUARANTINE", "Quarantine / damaged"))
ACTOR = "system:locations-migration"


def locations_default_fill(apps, schema_editor):
    Warehouse = apps.get_model("inventory", "Warehouse")
    Location = apps.get_model("inventory", "Location")
    LocationStock = apps.get_model("inventory", "LocationStock")
    StockLevel = apps.get_model("inventory", "StockLevel")
    StockMove = apps.get_model("inventory", "StockMove")
    for warehouse in Warehouse.objects.order_by("pk"):
        defaults = {}
        for kind, code, name in DEFAULTS:
            location, _ = Location.objects.get_or_create(
                warehouse=warehouse, code=code, defaults={"barcode": code, "kind": kind, "name": name})
            defaults[kind] = location
        stocks, moves = [], []
        for level in StockLevel.objects.filter(warehouse=warehouse).order_by("pk").iterator(chunk_size=2000):
            for quantity, location in ((level.on_hand, defaults["STORAGE"]), (level.damaged, defaults["QUARANTINE"])):
                if quantity > 0:
                    stocks.append(LocationStock(product_id=level.product_id, location=location, quantity=quantity))
                    moves.append(StockMove(product_id=level.product_id, warehouse=warehouse, kind="OPENING",
                                           quantity=quantity, to_location=location, reference_type="locations",
                                           reason="stock on hand when locations were introduced", actor=ACTOR))
        LocationStock.objects.bulk_create(stocks, batch_size=2000)
        StockMove.objects.bulk_create(moves, batch_size=2000)


def locations_default_empty(apps, schema_editor):
    """Back: the opening moves go (the schema migration before drops the locations themselves)."""
    apps.get_model("inventory", "StockMove").objects.filter(kind="OPENING", actor=ACTOR).delete()
    apps.get_model("inventory", "LocationStock").objects.all().delete()
    apps.get_model("inventory", "Location").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("inventory", "0004_locations"),
    ]

    operations = [
        migrations.RunPython(locations_default_fill, locations_default_empty),
    ]
