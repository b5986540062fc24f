"""Register a Zoho connection for a known user without the sign-in flow."""

from django.core.management.base import BaseCommand, CommandError

from accounts import datacenters, services


class Command(BaseCommand):
    help = (
        "Register a connection from a self-client grant code or a refresh token, with an "
        "explicit UserSignature for EMAIL, attached to that Django user (created if needed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The Zoho user's email.")
        parser.add_argument(
            "--dc", required=True, choices=datacenters.KEYS, help="Data center key."
        )
        token = parser.add_mutually_exclusive_group(required=True)
        token.add_argument("--grant-token", help="A grant code from the Self Client page.")
        token.add_argument("--refresh-token", help="An existing refresh token.")
        parser.add_argument(
            "--scopes", default="", help="Scopes the grant carries, comma-separated."
        )

    def handle(self, *args, **options):
        try:
            result = services.connection_add_explicit(
                email=options["email"],
                data_center=options["dc"],
                grant_token=options["grant_token"],
                refresh_token=options["refresh_token"],
                scopes=options["scopes"],
            )
        except services.SignInError as error:
            raise CommandError(error.message) from None
        connection = result.connection
        verb = "Registered" if result.created else "Updated"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb} connection {connection.pk}: {connection.email} in "
                f"{connection.org} for Django user {connection.user.get_username()}."
            )
        )
