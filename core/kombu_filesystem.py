"""kombu's filesystem transport with a message written whole before a worker can see it.

kombu 5.x creates a message's file under its final name and then writes into it; a worker
listing the folder in between moves the empty file away, fails to decode it and stops
("Unrecoverable error: JSONDecodeError"). Here the message is written under a name no
worker reads (it does not end in ``.<queue>.msg``) and renamed into place, which is atomic
on one filesystem. Used by ``make run`` and the test worker (``CELERY_BROKER_TRANSPORT``).
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"
        try:
            with open(partial, "wb") as file:
                file.write(dumps(payload).encode())
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
