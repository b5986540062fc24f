"""A long piece of work a worker does for a user (bulk import and export will be jobs).

The row is the truth about the job: its state, progress and result (and the checkpoint a
re-run resumes from) live here, not in Celery, so a worker killed mid-job loses nothing and
a page can show the progress.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    FINISHED = (State.DONE, State.FAILED)

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    # The Zoho connection the job works through; a job outlives a disconnect (its result
    # stays the owner's), so the link is cleared rather than the job deleted.
    connection = models.ForeignKey(
        "accounts.ZohoConnection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    kind = models.CharField(max_length=64)
    params = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # 0-100
    # What the job produced so far (and its checkpoint); the final result once done.
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    runs = models.PositiveIntegerField(default=0)  # times a worker started on it
    # The Celery task (one message) that started the job: a redelivery of that message
    # resumes it, any other message for the job (it was queued again) leaves it alone.
    task_id = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    # When the job was last handed to the broker (created, or queued again by
    # `job_requeue` when it was still queued JOB_REQUEUE_AFTER_SECONDS later).
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["owner", "-created_at"]),
            # `job_requeue`'s look for jobs still queued: a few rows of a large table.
            models.Index(
                fields=["queued_at"],
                condition=models.Q(state="queued"),
                name="job_still_queued",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__lte=100), name="job_progress_at_most_100"
            )
        ]

    def __str__(self) -> str:
        return f"job {self.pk} ({self.kind}, {self.state})"

    @property
    def finished(self) -> bool:
        return self.state in self.FINISHED
