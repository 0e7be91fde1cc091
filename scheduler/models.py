from django.db import models


class PeriodicRun(models.Model):
    """One row per periodic job and time slot that was enqueued: the unique pair is what makes
    "exactly once per slot" hold even when two schedulers run by mistake (the second insert fails)."""

    job = models.CharField(max_length=64)
    slot = models.DateTimeField(help_text="start of the interval this run stands for")
    enqueued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduler_one_run_per_slot")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M:%S}"
