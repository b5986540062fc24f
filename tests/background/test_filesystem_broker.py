"""The filesystem broker (make run, the test worker) never shows a worker half a message."""

import os

from kombu import Connection

from core import kombu_filesystem


def test_a_message_appears_under_its_queue_name_only_once_written_whole(tmp_path, monkeypatch):
    folder = tmp_path / "queue"
    folder.mkdir()
    seen_at_rename = []
    real_replace = os.replace

    def replace(partial, final):
        # What a worker listing the folder could take at this moment: no file of the queue.
        seen_at_rename.append(
            (
                [name for name in os.listdir(folder) if name.endswith(".jobs.msg")],
                os.path.getsize(partial),
            )
        )
        real_replace(partial, final)

    monkeypatch.setattr(kombu_filesystem.os, "replace", replace)
    options = {"data_folder_in": str(folder), "data_folder_out": str(folder)}
    with Connection(
        "filesystem://", transport=kombu_filesystem.Transport, transport_options=options
    ) as connection:
        channel = connection.channel()
        channel._put("jobs", {"body": "x" * 10_000})
        assert channel._get("jobs") == {"body": "x" * 10_000}

    [(listed, size)] = seen_at_rename
    assert listed == [] and size > 10_000
    assert os.listdir(folder) == []
