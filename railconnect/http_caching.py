"""How long browsers and shared caches may keep a response: the policy, in one place.

Public pages (home, search results, schedules) are the same for everyone and change rarely, so
any cache may keep them briefly and serve them stale while revalidating. ETags and 304s come
from Django's ConditionalGetMiddleware.
"""

from functools import wraps

from django.conf import settings
from django.utils.cache import patch_cache_control


def public_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(
                response,
                public=True,
                max_age=settings.PUBLIC_PAGE_MAX_AGE,
                stale_while_revalidate=settings.PUBLIC_PAGE_STALE_WHILE_REVALIDATE,
            )
        else:
            patch_cache_control(response, no_cache=True)
        return response

    return wrapper
