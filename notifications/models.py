from django.db import models


class SentNotification(models.Model):
    """One message sent (mail, with its SMS), by a key naming the event: what makes a retried or
    repeated task send nothing twice."""

    key = models.CharField(max_length=200, unique=True)
    sent_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
