import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from wms.core.roles import Role


class Command(BaseCommand):
    help = ("Create the admin login (and one demo user per role) if missing, and print it once. "
            "The password comes from --password or is generated.")

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="", help="Default: a generated one, printed once.")
        parser.add_argument("--with-role-users", action="store_true",
                            help="Also create receiver, picker and supervisor users with the same password.")

    def handle(self, *args, username, password, with_role_users, **options):
        User = get_user_model()
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Admin login '{username}' exists already (password unchanged).")
            return
        password = password or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        created = [username]
        if with_role_users:
            for role in Role:
                name = role.value.lower()
                if not User.objects.filter(username=name).exists():
                    user = User.objects.create_user(username=name, password=password, is_staff=True)
                    user.groups.add(Group.objects.get(name=role.value))
                    created.append(name)
        self.stdout.write(self.style.SUCCESS(
            f"Admin login: {username} / {password}" + (f"  (also: {', '.join(created[1:])}, same password)"
                                                        if len(created) > 1 else "")
        ))
