from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    name = "scheduler"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .periodic import every
        from .tasks import prune_task_results

        every(name="prune-task-results", interval=lambda: 24 * 3600, task=prune_task_results)
