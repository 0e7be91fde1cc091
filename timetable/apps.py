from django.apps import AppConfig


class TimetableConfig(AppConfig):
    name = "timetable"
    verbose_name = "Timetable"

    def ready(self):
        from .warming import register_warmers

        register_warmers()
