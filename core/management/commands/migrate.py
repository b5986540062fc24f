"""`manage.py migrate`, one host at a time: safe to run on every host of a deployment at once.

Two Django `migrate` runs on one empty PostgreSQL database at the same moment both create
the same tables and types, and one fails (`duplicate key value violates unique constraint
"pg_type_typname_nsp_index"`). Here each run first takes a PostgreSQL advisory lock (a fixed
key, on its own connection, held for the whole run): a second run waits for the first, then
finds every migration applied and has nothing to do. SQLite (one file, one host) needs no lock.
"""

from __future__ import annotations

from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

# pg_advisory_lock's bigint key, the same on every host: the bytes "zp.migr" as a number.
LOCK_KEY = int.from_bytes(b"zp.migr", "big")


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Runs one host at a time (a PostgreSQL advisory lock)."

    def handle(self, *args, **options):
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            return super().handle(*args, **options)
        # A connection of its own: migrate closes and reopens the default one as it goes, and
        # a session-level advisory lock lives exactly as long as the connection that took it.
        locker = connection.copy()
        try:
            with locker.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                if not cursor.fetchone()[0]:
                    if options["verbosity"] >= 1:
                        self.stdout.write("Another migrate is running; waiting for it...")
                    cursor.execute("SELECT pg_advisory_lock(%s)", [LOCK_KEY])
                try:
                    return super().handle(*args, **options)
                finally:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
        finally:
            locker.close()
