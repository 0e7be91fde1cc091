from django.apps import AppConfig


class ObservabilityConfig(AppConfig):
    name = "observability"
    verbose_name = "Observability"

    def ready(self):
        # Hook into what is already measured (railconnect/server_timing.py, caching/stats.py).
        from caching import stats
        from railconnect import server_timing

        from . import logs, metrics

        for observers, observer in (
            (server_timing.response_observers, metrics.observe_response),
            (server_timing.response_observers, logs.log_slow_request),
            (server_timing.slow_query_observers, logs.log_slow_query),
            (stats.listeners, metrics.count_cache_lookup),
        ):
            if observer not in observers:
                observers.append(observer)
