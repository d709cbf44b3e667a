import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from wms.catalog.models import Owner, Product
from wms.inventory.models import Warehouse


class OwnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Owner
        django_get_or_create = ("owner_code",)

    owner_code = "MERCHANT-A"
    name = "Merchant A"


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku_id = factory.Sequence(lambda n: f"TEST-{n:06d}")  # never one of the demo or contract sku_ids (OW-...)
    sku_code = factory.Sequence(lambda n: f"CODE-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    barcode = factory.Sequence(lambda n: f"4710000{n:06d}")
    owner = factory.SubFactory(OwnerFactory)


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse
        django_get_or_create = ("code",)

    code = "TW-TPE-01"
    name = "Taipei"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "pw-for-tests-only")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        for role in extracted or ():
            self.groups.add(Group.objects.get(name=role))
        self.save()
