"""Re-encrypt every stored Zoho token under the newest TOKEN_ENCRYPTION_KEYS key."""

from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.services import revocations
from accounts.token_crypto import TokenDecryptionError


class Command(BaseCommand):
    help = (
        "Re-encrypt every connection's tokens (and every queued revocation) under the first "
        "(newest) key of TOKEN_ENCRYPTION_KEYS. Afterwards the older keys can be removed."
    )

    def handle(self, *args, **options):
        try:
            count = services.connections_reencrypt()
            queued = revocations.revocations_reencrypt()
        except TokenDecryptionError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-encrypted {count} connection(s) and {queued} queued revocation(s) under "
                "the newest key."
            )
        )
