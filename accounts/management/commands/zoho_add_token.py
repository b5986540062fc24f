"""Register a Zoho connection for a known user without the sign-in flow."""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from zoho import datacenters

FROM_STDIN = "-"  # the token argument that means "read it from standard input"


class Command(BaseCommand):
    help = (
        "Register a connection from a self-client grant code or a refresh token, with an "
        "explicit UserSignature for EMAIL. It belongs to --user, else to the Django user "
        "holding that Zoho account's other connections, else to a new one. Give '-' as the "
        "token to read it from standard input (kept out of the process list and history)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The Zoho user's email.")
        parser.add_argument(
            "--dc", required=True, choices=datacenters.keys(), help="Data center key."
        )
        token = parser.add_mutually_exclusive_group(required=True)
        token.add_argument("--grant-token", help="A grant code from the Self Client page, or -.")
        token.add_argument("--refresh-token", help="An existing refresh token, or -.")
        parser.add_argument(
            "--scopes", default="", help="Scopes the grant carries, comma-separated."
        )
        parser.add_argument("--user", help="Username of an existing Django user to attach to.")

    def handle(self, *args, **options):
        grant_token, refresh_token = options["grant_token"], options["refresh_token"]
        if FROM_STDIN in (grant_token, refresh_token):
            given = self._read_stdin()
            grant_token = given if grant_token == FROM_STDIN else grant_token
            refresh_token = given if refresh_token == FROM_STDIN else refresh_token
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No Django user named {options['user']!r}.")
        try:
            result = services.connection_add_explicit(
                email=options["email"],
                data_center=options["dc"],
                grant_token=grant_token,
                refresh_token=refresh_token,
                scopes=options["scopes"],
                user=user,
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

    def _read_stdin(self) -> str:
        given = (sys.stdin.readline() if sys.stdin else "").strip()
        if not given:
            raise CommandError("No token on standard input.")
        return given
