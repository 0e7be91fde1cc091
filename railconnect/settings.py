"""Settings for RailConnect India: one module, driven by environment variables.

Everything an operator may tune (limits, TTLs, budgets) sits in the "Tunables" section at the
bottom, each read from an environment variable with a documented default.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from railconnect import http_caching

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name, default):
    return int(os.environ.get(name, default))


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# The default key is only good for local runs; production sets SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY", "insecure-local-only-railconnect-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "compressor",
    "railconnect",
    "timetable",
    "search",
    "caching",
    "accounts",
    "booking",
    "payments",
    "promotions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "railconnect.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Server-Timing: database, cache and total time of each dynamic response.
    "railconnect.server_timing.ServerTimingMiddleware",
    # Brotli / gzip for dynamic HTML and JSON; outside ConditionalGet so ETags are computed on
    # the uncompressed body (and weakened here).
    "railconnect.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET response and 304 Not Modified for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    # The Cache-Control policy (railconnect/http_caching.py): defaults and the personal-page guard.
    "railconnect.http_caching.CachePolicyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Benchmarks swap in benchmarks.urls (the site plus a bare hello-world view).
ROOT_URLCONF = os.environ.get("ROOT_URLCONF", "railconnect.urls")
WSGI_APPLICATION = "railconnect.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Security ------------------------------------------------------------------------------
# HTTPS=1 where the site is served over TLS (production): secure cookies, HSTS, redirects to
# https. Off by default so `make run` works on http://127.0.0.1. `manage.py check --deploy`
# is clean with HTTPS=1, DEBUG off and a real SECRET_KEY (tests/test_security_headers.py).
HTTPS = env_bool("HTTPS", False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
if env_bool("BEHIND_TLS_PROXY", False):
    # A load balancer terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# No inline script anywhere, so scripts need no nonce (a nonce would keep pages out of shared
# caches). Styles: the critical CSS is inlined ahead of time by django-compressor, hence
# 'unsafe-inline' for styles only. Images: data: for the blurred placeholders.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
PERMISSIONS_POLICY_DENIED = [
    "camera", "microphone", "geolocation", "payment", "usb", "interest-cohort", "browsing-topics",
]

# --- Database ------------------------------------------------------------------------------
# DATABASE_URL selects the database; unset means the embedded SQLite file.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE transactions plus WAL avoid "database is locked" under concurrent writers.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg's own pool, one per gunicorn worker process, shared by the worker's threads (see
    # gunicorn.conf.py). Total server connections = app instances x workers x DATABASE_POOL_MAX,
    # which must stay under PostgreSQL's max_connections (100 by default): with several app
    # instances, lower DATABASE_POOL_MAX or put PgBouncer in front. Pooled connections need
    # CONN_MAX_AGE = 0. A waiting request gives up after DATABASE_POOL_TIMEOUT seconds (a clear
    # 503 rather than a hung worker).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if env_bool("DATABASE_POOL", True):
        DATABASES["default"]["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DATABASE_POOL_MIN", 2),
                "max_size": env_int("DATABASE_POOL_MAX", 8),
                "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", 5)),
                "max_idle": 300,
            },
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ---------------------------------------------------------------------------------
# REDIS_URL selects Redis through django-redis; unset means the process-local memory cache.
# This is the shared second level (L2); caching/tiered.py puts a small in-process L1 in front.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis behind a circuit breaker: a Redis outage slows the site, never breaks
            # it (caching/resilient_redis.py), so django-redis's own exception hiding stays off.
            "BACKEND": "caching.resilient_redis.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "rc"),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.25,
                "SOCKET_TIMEOUT": 0.25,
                "CONNECTION_POOL_KWARGS": {"max_connections": 64},
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "railconnect",
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

if env_bool("CACHE_BACKEND_DUMMY", False):
    # Benchmarks only: measure the site with no cache at all.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}

# Sessions: read from the cache, written through to the database, so a Redis outage or restart
# never logs anybody out, and every app instance sees the same sessions.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth, i18n ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts: Django's auth views; password-reset mail goes to the console unless configured.
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "booking:list"
LOGOUT_REDIRECT_URL = "home"
# (MAILERS replaces EMAIL_BACKEND from Django 6.1.)
# Production (HTTPS=1) sends mail over SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS); local runs print it to the console.
if HTTPS or os.environ.get("EMAIL_HOST"):
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
        "timeout": 10,
    }}}
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "RailConnect India <no-reply@railconnect.invalid>")

LANGUAGE_CODE = "en-in"
# Timetables are Indian local clock times; the whole network runs on IST.
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

# --- Static files --------------------------------------------------------------------------
# Built by `manage.py build_static` (collectstatic, compress, precompress): content-hashed names,
# .br and .gz variants, served by WhiteNoise as immutable for a year (railconnect/http_caching.py).
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "compressor.finders.CompressorFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # WhiteNoise's manifest storage, plus hashed URLs inside ES module import() specifiers.
    "staticfiles": {"BACKEND": "railconnect.static_storage.ModuleAwareManifestStorage"},
}
# django-compressor: CSS blocks are combined and minified ahead of time (`compress`), output in
# STATIC_ROOT/CACHE/ under content-hashed names. COMPRESS_ROOT/URL stay at their defaults.
COMPRESS_OFFLINE = True
COMPRESS_CSS_HASHING_METHOD = "content"
COMPRESS_FILTERS = {
    "css": ["compressor.filters.css_default.CssAbsoluteFilter", "compressor.filters.cssmin.rCSSMinFilter"],
    "js": ["compressor.filters.jsmin.rJSMinFilter"],
}
# WhiteNoise takes callables here (a string would be read as a regex).
WHITENOISE_IMMUTABLE_FILE_TEST = http_caching.immutable_static_file
WHITENOISE_ADD_HEADERS_FUNCTION = http_caching.static_file_headers

# Uploaded originals (never served) and their renditions (served by promotions.views.rendition).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")

# --- Logging -------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Tunables ------------------------------------------------------------------------------
# How far ahead tickets can be booked (days, not counting the journey date).
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 60)
# Search input limits: anything longer is rejected with a 400 before touching the database.
SEARCH_MAX_QUERY_LENGTH = env_int("SEARCH_MAX_QUERY_LENGTH", 60)
# Autocomplete: how many suggestions, and the shortest prefix that is looked up.
STATION_SUGGESTION_LIMIT = env_int("STATION_SUGGESTION_LIMIT", 10)
# Cache lifetimes (seconds). The station list and timetable change only on import/admin edits,
# which bump a version number, so these can be long.
STATION_CACHE_TTL = env_int("STATION_CACHE_TTL", 6 * 3600)
TIMETABLE_CACHE_TTL = env_int("TIMETABLE_CACHE_TTL", 3600)
# The in-process first cache level (L1): entries kept per worker, and their lifetime. The
# timetable version is re-read from L2 this often, which bounds how stale an admin edit can look.
CACHE_L1_MAX_ENTRIES = env_int("CACHE_L1_MAX_ENTRIES", 5000)
CACHE_L1_TTL = float(os.environ.get("CACHE_L1_TTL", 300))
CACHE_VERSION_L1_TTL = float(os.environ.get("CACHE_VERSION_L1_TTL", 2))
# Stampede protection: how long a recomputation may hold its lock, and how long others wait.
CACHE_LOCK_TIMEOUT = env_int("CACHE_LOCK_TIMEOUT", 10)
CACHE_STAMPEDE_WAIT = float(os.environ.get("CACHE_STAMPEDE_WAIT", 0.5))
# Public pages rendered for visitors without a session are kept whole this long (seconds).
PAGE_CACHE_TTL = float(os.environ.get("PAGE_CACHE_TTL", 60))
# Seat availability shown on pages (never used to decide a booking): seconds it may be cached.
AVAILABILITY_CACHE_TTL = env_int("AVAILABILITY_CACHE_TTL", 5)
# Redis outage: seconds between reconnection attempts, and between repeated outage log lines.
REDIS_RETRY_AFTER = float(os.environ.get("REDIS_RETRY_AFTER", 2))
REDIS_OUTAGE_LOG_INTERVAL = float(os.environ.get("REDIS_OUTAGE_LOG_INTERVAL", 60))
# Public pages (home, search results, schedules) may be cached by browsers and shared caches.
PUBLIC_PAGE_MAX_AGE = env_int("PUBLIC_PAGE_MAX_AGE", 60)
PUBLIC_PAGE_STALE_WHILE_REVALIDATE = env_int("PUBLIC_PAGE_STALE_WHILE_REVALIDATE", 300)

# --- Front-end performance tunables ---------------------------------------------------------
# Hashed static files and image renditions never change under their URL: cached for a year.
IMMUTABLE_MAX_AGE = env_int("IMMUTABLE_MAX_AGE", 365 * 24 * 3600)
# Personal pages that a browser may keep for a moment (private, max-age); 0 means no-cache.
PRIVATE_PAGE_MAX_AGE = env_int("PRIVATE_PAGE_MAX_AGE", 0)
# Dynamic responses smaller than this (bytes) are sent uncompressed.
COMPRESSION_MIN_BYTES = env_int("COMPRESSION_MIN_BYTES", 1024)
# Brotli quality for dynamic responses (0-11): 5 is fast and beats gzip -6 on HTML.
COMPRESSION_BROTLI_QUALITY = env_int("COMPRESSION_BROTLI_QUALITY", 5)
# Server-Timing header (db, cache, total) on dynamic responses.
SERVER_TIMING = env_bool("SERVER_TIMING", True)
# Image renditions: widths (px) made from each original, and encoder qualities.
IMAGE_RENDITION_WIDTHS = [int(width) for width in env_list("IMAGE_RENDITION_WIDTHS", "320,480,640,960,1280,1600")]
IMAGE_QUALITY_AVIF = env_int("IMAGE_QUALITY_AVIF", 50)
IMAGE_QUALITY_WEBP = env_int("IMAGE_QUALITY_WEBP", 72)
IMAGE_QUALITY_JPEG = env_int("IMAGE_QUALITY_JPEG", 78)

# --- Booking tunables ----------------------------------------------------------------------
# An unpaid hold lasts this many minutes, then its berths return to the pool.
BOOKING_HOLD_MINUTES = env_int("BOOKING_HOLD_MINUTES", 15)
# The chart is prepared (allocation frozen) this many hours before departure from the first station.
CHART_HOURS_BEFORE_DEPARTURE = env_int("CHART_HOURS_BEFORE_DEPARTURE", 8)
# Tatkal opens the day before the journey at these hours (IST, at the train's origin).
TATKAL_AC_OPENING_HOUR = env_int("TATKAL_AC_OPENING_HOUR", 10)
TATKAL_NON_AC_OPENING_HOUR = env_int("TATKAL_NON_AC_OPENING_HOUR", 11)
# Passengers per ticket.
GENERAL_MAX_PASSENGERS = env_int("GENERAL_MAX_PASSENGERS", 6)
TATKAL_MAX_PASSENGERS = env_int("TATKAL_MAX_PASSENGERS", 4)
# Waitlist places per train, date, class and quota; past it a booking is refused (REGRET). 0: no limit.
WAITLIST_LIMIT = env_int("WAITLIST_LIMIT", 0)
# Which set of booking.RefundRule rows applies to cancellations ("2015" is seeded by a migration).
REFUND_RULESET = os.environ.get("REFUND_RULESET", "2015")
