from django.conf import settings
from django.core.checks import Error, register

REFRESH_MODES = ("background", "immediate", "manual")


@register()
def refresh_mode(app_configs, **kwargs):
    mode = settings.DASHBOARD_STATS_REFRESH
    if mode not in REFRESH_MODES:
        return [
            Error(
                f"DASHBOARD_STATS_REFRESH is {mode!r}",
                hint=f"Use one of {', '.join(REFRESH_MODES)}.",
                id="dashboard.E001",
            )
        ]
    return []
