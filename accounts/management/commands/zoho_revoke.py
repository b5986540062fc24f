"""Revoke one connection's grant at Zoho and delete the connection."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import ZohoConnection


class Command(BaseCommand):
    help = (
        "Revoke a connection's refresh token at its data center and delete the connection. "
        "Choose it by --id, or by --email and --org (zgid or name). Asks first unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("--id", type=int, dest="connection_id", help="Connection id.")
        parser.add_argument("--email", help="The connection's Zoho email.")
        parser.add_argument("--org", help="The org's zgid or name (with --email).")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, **options):
        connection = self.connection_from(options)
        if not options["yes"] and not self.confirmed(connection):
            self.stdout.write("Nothing was changed.")
            return
        try:
            revoked = services.connection_revoke_and_disconnect(connection=connection)
        except services.DisconnectError as error:
            raise CommandError(error.message) from None
        except ZohoConnection.DoesNotExist:
            raise CommandError("The connection was deleted meanwhile.") from None
        if revoked:
            self.stdout.write(self.style.SUCCESS(f"Revoked and disconnected {connection}."))
        else:
            self.stdout.write(
                self.style.WARNING(
                    f"Disconnected {connection}. Zoho could not be reached to revoke it: the "
                    "revocation is queued, and zoho_housekeeping retries it until Zoho confirms."
                )
            )

    def connection_from(self, options) -> ZohoConnection:
        rows = ZohoConnection.objects.select_related("org")
        if options["connection_id"] is not None:
            rows = rows.filter(pk=options["connection_id"])
        elif options["email"] and options["org"]:
            org = options["org"]
            rows = rows.filter(email__iexact=options["email"]).filter(
                **({"org__zgid": org} if org.isdigit() else {"org__name__iexact": org})
            )
        else:
            raise CommandError("Give --id, or --email and --org.")
        found = list(rows[:2])
        if not found:
            raise CommandError("No such connection.")
        if len(found) > 1:
            raise CommandError("Several connections match; use --id (see zoho_tokens).")
        return found[0]

    def confirmed(self, connection: ZohoConnection) -> bool:
        prompt = f"Revoke and disconnect {connection} (id {connection.pk})? [y/N] "
        try:
            return input(prompt).strip().lower() in ("y", "yes")
        except EOFError:
            return False
