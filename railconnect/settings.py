"""Settings for RailConnect India: one module, driven by environment variables.

Everything an operator may tune (limits, TTLs, budgets) sits in the "Tunables" section at the
bottom, each read from an environment variable with a documented default.
"""

import copy
import os
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from railconnect import http_caching
from railconnect.secret_key import local_secret_key

# Lets admin classes name their model, ModelAdmin[Train], as django-stubs types them: the generic
# classes Django does not make subscriptable itself get a no-op __class_getitem__.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
# Production sets SECRET_KEY (`make serve` refuses to start without it); a local run uses a random
# key made once per checkout in var/secret_key (git-ignored). railconnect/checks.py rejects a short
# or published key when DEBUG is off, also when the server starts (railconnect/wsgi.py).
SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key(BASE_DIR / "var" / "secret_key")
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
    "dashboard",
    "rum",
    # Electronic Reservation Slips (PDF, QR) and /verify/.
    "etickets",
    # Mail and SMS on booking and payment outcomes, sent by tasks.
    "notifications",
    # The task queue (django_tasks_db: tasks as database rows) and the periodic jobs' scheduler.
    "django_tasks_db",
    "scheduler",
    "observability",
    "pwa",
    # Demo data generators and their commands (seed_demo, seed_promotions); no app imports it.
    "demo",
    # Failed-login lock-out on every login path (accounts/login_lockout.py).
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "railconnect.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Under /api/ every error is JSON (404, 405, CSRF, 413 before a body is read, 500), one shape
    # (railconnect/json_errors.py). Outside CSRF and compression, which it must see past.
    "railconnect.json_errors.ApiErrorsMiddleware",
    # Database unavailable: 503 with Retry-After and a clear page (JSON under /api/), never a 500,
    # logged once per interval (railconnect/database_outage.py; also the site's handler500).
    "railconnect.database_outage.DatabaseOutageMiddleware",
    # Server-Timing: database, cache and total time of each dynamic response.
    "railconnect.server_timing.ServerTimingMiddleware",
    # Brotli / gzip for dynamic HTML and JSON; outside ConditionalGet so ETags are computed on
    # the uncompressed body (and weakened here).
    "railconnect.compression.CompressionMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The page's language from its URL prefix (/hi/..., /ta/...; none: English), then a 302 from an
    # unprefixed page to the passenger's language (cookie, else Accept-Language on a first visit),
    # and Content-Language / Vary on every page (railconnect/languages.py, docs/i18n.md).
    "django.middleware.locale.LocaleMiddleware",
    "railconnect.languages.PreferredLanguageMiddleware",
    # X-RC-Owner on non-public pages: whose session a response belongs to, so the service worker
    # never shows one passenger's kept e-tickets to the next (pwa/owner.py).
    "pwa.owner.OwnerTagMiddleware",
    "django.middleware.common.CommonMiddleware",
    # ETag on every GET response and 304 Not Modified for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    # The Cache-Control policy (railconnect/http_caching.py): defaults and the personal-page guard.
    "railconnect.http_caching.CachePolicyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The rc_signed_in cookie the cached public pages' header reads (accounts/signed_in_hint.py).
    "accounts.signed_in_hint.SignedInHintMiddleware",
    # ?profile=1 for staff: the page's pyinstrument call tree instead of the page.
    "observability.profiling.ProfilingMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Reads of read-only public pages from the replica when it is fit, read-your-writes after a
    # passenger's change, and the fallback to the primary (railconnect/replicas.py; no-op without one).
    "railconnect.replicas.ReplicaReadsMiddleware",
    # Turns a login refused by the axes backend into the 429 page (last, as axes asks).
    "axes.middleware.AxesMiddleware",
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
                # data-route on <html> for static/js/rum.js (real-user Web Vitals).
                "rum.routes.context",
                # The language switcher's links and the page's lang (railconnect/languages.py).
                "railconnect.languages.context",
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
    "camera",
    "microphone",
    "geolocation",
    "payment",
    "usb",
    "interest-cohort",
    "browsing-topics",
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
    # 503 rather than a hung worker: railconnect/database_outage.py).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    if env_bool("DATABASE_POOL", True):
        from psycopg_pool import ConnectionPool

        DATABASES["default"]["OPTIONS"] = {
            "pool": {
                "min_size": env_int("DATABASE_POOL_MIN", 2),
                "max_size": env_int("DATABASE_POOL_MAX", 8),
                "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", 5)),
                "max_idle": 300,
                # Each connection is checked (an empty query) before it is lent, so after a
                # PostgreSQL restart the pool drops its dead connections and reconnects by itself
                # (Django passes this through to psycopg_pool).
                "check": ConnectionPool.check_connection,
                # While PostgreSQL is down the pool retries in the background with a doubling
                # delay; a retry chain gives up after this many seconds and the next request starts
                # a fresh one, so the site is back within a few seconds of the database however
                # long the outage (psycopg's default, 300 s, let the delay grow to minutes).
                "reconnect_timeout": float(os.environ.get("DATABASE_POOL_RECONNECT_TIMEOUT", 5)),
            },
        }

# --- Inventory partitions (issue 16) ------------------------------------------------------------
# DATABASE_PARTITION_URLS adds PostgreSQL primaries that hold the inventories, booking queue,
# bookings, passengers and payments of the trains they own ("p2=postgres://...,p3=..."; comma-
# separated alias=url). "default" stays the main primary: the global data (accounts, sessions,
# tasks, the timetable) and the first partition. Which train lives where is data (booking's
# TrainPartition rows, booking/partitions.py); unset = one database, exactly as before.
DATABASE_PARTITIONS: tuple[str, ...] = ("default",)
for _entry in filter(
    None, (part.strip() for part in os.environ.get("DATABASE_PARTITION_URLS", "").split(","))
):
    _alias, _sep, _url = _entry.partition("=")
    _alias = _alias.strip()
    if not _sep or not _alias.isidentifier() or _alias in DATABASES or _alias == "replica":
        raise ImproperlyConfigured(f"DATABASE_PARTITION_URLS: {_entry!r} is not alias=url with a new alias")
    DATABASES[_alias] = dj_database_url.parse(_url.strip())
    # The same connection settings as the main primary (its pool: one per alias and worker process).
    DATABASES[_alias]["CONN_MAX_AGE"] = DATABASES["default"].get("CONN_MAX_AGE", 0)
    DATABASES[_alias]["OPTIONS"] = copy.deepcopy(DATABASES["default"].get("OPTIONS", {}))
    DATABASE_PARTITIONS += (_alias,)
if len(DATABASE_PARTITIONS) > 9:
    raise ImproperlyConfigured("DATABASE_PARTITIONS: at most 9 (a PNR's first digit names its partition)")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Read replica (railconnect/replicas.py, docs/scale-out-and-failures.md) ---------------------
# DATABASE_REPLICA_URL: a streaming replica of the default database (PostgreSQL only). Unset: no
# "replica" alias, every read goes to the primary as before. Set: read-only public pages read from
# it through replicas.ReplicaRouter (read-your-writes, lag and outage fallbacks in that module).
# The same pool as default, but a request never waits long for it: a replica that does not answer
# within REPLICA_CONNECT_TIMEOUT is marked down and the primary answers instead.
REPLICA_CONNECT_TIMEOUT = float(os.environ.get("REPLICA_CONNECT_TIMEOUT", 0.25))
if (
    os.environ.get("DATABASE_REPLICA_URL")
    and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
):
    DATABASES["replica"] = dj_database_url.parse(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
    replica_options: dict = {
        **DATABASES["default"].get("OPTIONS", {}),
        # libpq's own connect timeout (whole seconds, at least 2): an unreachable host, not a refusal.
        "connect_timeout": 2,
    }
    if "pool" in replica_options:
        replica_options["pool"] = {
            **replica_options["pool"],
            "min_size": env_int("DATABASE_REPLICA_POOL_MIN", 1),
            "timeout": REPLICA_CONNECT_TIMEOUT,
        }
    DATABASES["replica"]["OPTIONS"] = replica_options
    # Tests run against one database: the replica alias reads the default test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# Routers: first the inventory partitions' (booking/partitions.py: it owns the partitioned models,
# and a global model asked for through a partitioned row goes to "default"); then reads of
# read-only public pages to the replica when it is fit (no-op without one).
DATABASE_ROUTERS = ["booking.partitions.PartitionRouter", "railconnect.replicas.ReplicaRouter"]
# Seconds between health checks of the replica in each process (its replay position and lag).
REPLICA_HEALTH_SECONDS = float(os.environ.get("REPLICA_HEALTH_SECONDS", 0.5))
# A replica further behind the primary than this (seconds) is not read from.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", 5))
# How long a passenger's write is remembered (cookie lifetime, s): until the replica has replayed it,
# that passenger's pages read the primary. Longer than REPLICA_MAX_LAG_SECONDS (railconnect.E002).
REPLICA_READ_YOUR_WRITES_SECONDS = env_int("REPLICA_READ_YOUR_WRITES_SECONDS", 60)
# The read-only public pages (URL names) that may read from the replica, GET/HEAD only.
REPLICA_READ_ROUTES = env_list(
    "REPLICA_READ_ROUTES",
    "home,search,search-dates,search-alternatives,search-api,stations-api,train-schedule,"
    "booking:classes,booking:choose,booking:pnr,etickets:verify",
)
# The apps whose models those pages may read from the replica; everything else (accounts,
# sessions, login protection, tasks...) always reads the primary.
REPLICA_READ_APPS = env_list("REPLICA_READ_APPS", "timetable,search,booking,payments,promotions")

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

# Sessions: with Redis, read from the cache, written through to the database, so a Redis outage or
# restart never logs anybody out, and every app instance sees the same sessions. Without Redis the
# cache is each process's own memory: gunicorn's workers (`make run` starts one per core) would each
# keep their own copy of a session and serve a stale one (a booking draft "expired", a log-out that
# the other worker never heard of), so sessions are read from the database.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db" if REDIS_URL else "django.contrib.sessions.backends.db"
)

# --- Auth, i18n ----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Accounts: Django's auth views; password-reset mail goes to the console unless configured.
LOGIN_URL = "accounts:login"
# Passengers land on their dashboard: upcoming journeys first.
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"
# (MAILERS replaces EMAIL_BACKEND from Django 6.1.)
# Production (HTTPS=1) sends mail over SMTP (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS); local runs print it to the console.
if HTTPS or os.environ.get("EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("EMAIL_HOST", "localhost"),
                "port": env_int("EMAIL_PORT", 587),
                "username": os.environ.get("EMAIL_HOST_USER", ""),
                "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
                "use_tls": env_bool("EMAIL_USE_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# Text messages (railconnect/sms.py): the console by default; SMS_BACKEND=railconnect.sms.HttpBackend
# with SMS_HTTP_URL and SMS_HTTP_TOKEN sends through a gateway, railconnect.sms.FileBackend to files.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "railconnect.sms.ConsoleBackend")
SMS_FILE_PATH = os.environ.get("SMS_FILE_PATH", str(BASE_DIR / "var" / "sms"))
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10)
SMS_SENDER_ID = os.environ.get("SMS_SENDER_ID", "RLCNCT")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "RailConnect India <no-reply@railconnect.invalid>")

LANGUAGE_CODE = "en-in"
# English pages are unprefixed, Hindi under /hi/, Tamil under /ta/ (docs/i18n.md: why Tamil, how to
# add a language). Catalogues: locale/<code>/LC_MESSAGES/django.po, compiled by the static build.
LANGUAGES = [("en-in", "English"), ("hi", "हिन्दी"), ("ta", "தமிழ்")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The passenger's choice, set by the switcher's links (railconnect/languages.py): a year.
LANGUAGE_COOKIE_NAME = "rc_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_HTTPONLY = True
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
# Browser modules from npm (package.json + package-lock.json, `npm ci`), copied by build_static into
# static/vendor/ (ignored by git) so they are built and served like the site's own files. No source
# maps: they are never published (railconnect/management/commands/build_static.py).
STATIC_VENDOR_FILES = {
    "vendor/web-vitals.attribution.js": "node_modules/web-vitals/dist/web-vitals.attribution.js",
}
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "compressor.finders.CompressorFinder",
    # The web app manifest's icons and screenshots, drawn with Pillow on first use (pwa/assets.py).
    "pwa.finders.GeneratedAssetsFinder",
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
    # Every line carries the id of the request it was logged in ("-" outside one); slow requests
    # and slow queries are JSON lines from the railconnect.slow logger (observability/logs.py).
    "filters": {"request_id": {"()": "observability.logs.RequestIdFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["request_id"]}
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# --- Tunables ------------------------------------------------------------------------------
# How far ahead tickets can be booked (days, not counting the journey date).
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 60)
# Search input limits: anything longer is rejected with a 400 before touching the database.
SEARCH_MAX_QUERY_LENGTH = env_int("SEARCH_MAX_QUERY_LENGTH", 60)
# Autocomplete: how many suggestions, and the shortest prefix that is looked up.
STATION_SUGGESTION_LIMIT = env_int("STATION_SUGGESTION_LIMIT", 10)
# ... and how many "Mumbai (all stations)" city entries besides them.
CITY_SUGGESTION_LIMIT = env_int("CITY_SUGGESTION_LIMIT", 3)
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
# Availability shown for display (search results, the week at a glance, never a booking's
# allocation, which reads the locked row): kept this long, so a rush of searches costs one
# inventory read per train, date and class every few seconds instead of one per visitor.
DISPLAY_AVAILABILITY_TTL = float(os.environ.get("DISPLAY_AVAILABILITY_TTL", 5))
# Public pages rendered for visitors without a session are kept whole this long (seconds).
PAGE_CACHE_TTL = float(os.environ.get("PAGE_CACHE_TTL", 60))
# Redis outage: seconds between reconnection attempts, and between repeated outage log lines.
REDIS_RETRY_AFTER = float(os.environ.get("REDIS_RETRY_AFTER", 2))
REDIS_OUTAGE_LOG_INTERVAL = float(os.environ.get("REDIS_OUTAGE_LOG_INTERVAL", 60))
# Database outage: the Retry-After (seconds) of the 503 answered meanwhile, and seconds between
# repeated outage log lines (railconnect/database_outage.py).
DATABASE_OUTAGE_RETRY_AFTER = env_int("DATABASE_OUTAGE_RETRY_AFTER", 5)
DATABASE_OUTAGE_LOG_INTERVAL = float(os.environ.get("DATABASE_OUTAGE_LOG_INTERVAL", 60))
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
IMAGE_RENDITION_WIDTHS = [
    int(width) for width in env_list("IMAGE_RENDITION_WIDTHS", "320,480,640,960,1280,1600")
]
IMAGE_QUALITY_AVIF = env_int("IMAGE_QUALITY_AVIF", 50)
IMAGE_QUALITY_WEBP = env_int("IMAGE_QUALITY_WEBP", 72)
IMAGE_QUALITY_JPEG = env_int("IMAGE_QUALITY_JPEG", 78)

# --- Rate limits (railconnect/rate_limits.py): (requests, seconds) per client ------------------
RATE_LIMITS = {
    "login": (env_int("LOGIN_RATE_LIMIT", 20), 60),  # per address
    "signup": (env_int("SIGNUP_RATE_LIMIT", 10), 3600),  # per address
    "password-reset": (env_int("PASSWORD_RESET_RATE_LIMIT", 5), 3600),  # per address
    "booking": (env_int("BOOKING_RATE_LIMIT", 30), 60),  # per signed-in user
}

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

# The waitlist cap of a class, over all its quotas, in percent of its berths; past it a booking is
# refused (REGRET). Railway Board, 28 June 2025 (revising the 25% of 16 June 2025): 60% AC, 30% non-AC.
WAITLIST_CAP_AC_PERCENT = env_int("WAITLIST_CAP_AC_PERCENT", 60)
WAITLIST_CAP_NON_AC_PERCENT = env_int("WAITLIST_CAP_NON_AC_PERCENT", 30)
# The booking queue (booking/admission.py): how long a POST waits for its outcome before answering
# 202 with the request's URL (ms); how many queued requests one writer's transaction allocates; how
# long a writer keeps draining others' requests once its own is decided (ms); the wait quoted per
# request ahead in the queue (ms, for estimated_wait_ms); how often a waiting request looks again;
# how long a process queues its arrivals without trying the writer role once it found it taken (ms).
# The wait is 0 by default: a request is answered 201 when it takes the writer role and decides
# itself, else 202 at once. A waiting request holds one of gunicorn's few threads until decided; in
# a same-second burst of 1,000, 200 ms gave the first answers p95 6.6-9.1 s, 0 gave 4.3-4.6 s, and
# every outcome 1-3 s sooner
# (docs/benchmarks/2026-12-01-rush-measured-from-the-schedule.md).
BOOKING_ADMISSION_WAIT_MS = env_int("BOOKING_ADMISSION_WAIT_MS", 0)
BOOKING_BATCH_SIZE = env_int("BOOKING_BATCH_SIZE", 100)
BOOKING_WRITER_MAX_MS = env_int("BOOKING_WRITER_MAX_MS", 300)
BOOKING_QUEUE_MS_PER_REQUEST = env_int("BOOKING_QUEUE_MS_PER_REQUEST", 4)
BOOKING_QUEUE_POLL_MS = env_int("BOOKING_QUEUE_POLL_MS", 50)
BOOKING_WRITER_BUSY_MS = env_int("BOOKING_WRITER_BUSY_MS", 20)
# Which set of booking.RefundRule rows applies to cancellations ("2015" is seeded by a migration).
REFUND_RULESET = os.environ.get("REFUND_RULESET", "2015")

# --- Passenger dashboard tunables (dashboard/) -----------------------------------------------
# Upcoming journeys shown on the dashboard itself (the rest: "All upcoming journeys"), and past or
# cancelled journeys per page.
DASHBOARD_UPCOMING_LIMIT = env_int("DASHBOARD_UPCOMING_LIMIT", 10)
DASHBOARD_HISTORY_PAGE_SIZE = env_int("DASHBOARD_HISTORY_PAGE_SIZE", 10)
# Months in the journeys-per-month chart (ending with the current month).
DASHBOARD_CHART_MONTHS = env_int("DASHBOARD_CHART_MONTHS", 12)
# After a booking changes, how the statistics materialized view (PostgreSQL) is refreshed:
# "background" (a debounced REFRESH ... CONCURRENTLY in a task, queued after commit),
# "immediate" (synchronously after commit: tests, one-off scripts) or "manual" (only by
# `manage.py refresh_stats`, e.g. from cron). Either way the changed passenger's own figures are
# computed live until the view has caught up (dashboard/travel_stats.py).
DASHBOARD_STATS_REFRESH = os.environ.get("DASHBOARD_STATS_REFRESH", "background")
# Background refresh: wait this long after a change to gather others (s); refresh at most once per
# interval (s) across all workers sharing the cache (a refresh of a million bookings takes seconds
# of database time: see docs/dashboard.md).
DASHBOARD_STATS_REFRESH_DELAY = float(os.environ.get("DASHBOARD_STATS_REFRESH_DELAY", 5))
DASHBOARD_STATS_REFRESH_MIN_INTERVAL = float(os.environ.get("DASHBOARD_STATS_REFRESH_MIN_INTERVAL", 300))
# How long "this passenger's bookings changed" is remembered in the cache (s): longer than the
# view can lag behind (run refresh_stats from cron more often than this).
DASHBOARD_STATS_STALE_TTL = env_int("DASHBOARD_STATS_STALE_TTL", 24 * 3600)
# Saved passengers ("master list") per account.
SAVED_PASSENGERS_MAX = env_int("SAVED_PASSENGERS_MAX", 20)
# Index.include (covering indexes) is PostgreSQL-only; SQLite builds the same indexes with the key
# columns alone, which is what the dashboard's indexes intend (booking/models.py).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Real User Monitoring and observability tunables -----------------------------------------
# Real-user Web Vitals (rum/, static/js/rum.js): on/off, and the share of page views measured (0-1).
RUM_ENABLED = env_bool("RUM_ENABLED", True)
RUM_SAMPLE_RATE = float(os.environ.get("RUM_SAMPLE_RATE", 1))
# POST /rum: largest document accepted (bytes), documents per client per window (seconds), and
# origins accepted besides the site's own (e.g. https://www.example.in), comma-separated.
RUM_MAX_BODY_BYTES = env_int("RUM_MAX_BODY_BYTES", 4096)
RUM_RATE_LIMIT = env_int("RUM_RATE_LIMIT", 30)
RUM_RATE_WINDOW = env_int("RUM_RATE_WINDOW", 60)
RUM_ALLOWED_ORIGINS = [origin.lower() for origin in env_list("RUM_ALLOWED_ORIGINS", "")]
# Behind a reverse proxy: the META key of the header holding the client's address (e.g.
# HTTP_X_REAL_IP), used by rate limits; unset: REMOTE_ADDR.
CLIENT_IP_HEADER = os.environ.get("CLIENT_IP_HEADER", "")
# Aggregates: the rolling window of the headline p75 (days, as Chrome UX Report), the report's
# default trend length, and how long raw page views and aggregates are kept (`prune_rum`).
RUM_WINDOW_DAYS = env_int("RUM_WINDOW_DAYS", 28)
RUM_REPORT_DAYS = env_int("RUM_REPORT_DAYS", 28)
# How many of the most common LCP elements and slow INP targets are kept per page route.
RUM_TOP_TARGETS = env_int("RUM_TOP_TARGETS", 10)
RUM_RETENTION_DAYS = env_int("RUM_RETENTION_DAYS", 35)
RUM_AGGREGATE_RETENTION_DAYS = env_int("RUM_AGGREGATE_RETENTION_DAYS", 400)
# GET /metrics (Prometheus): on/off, a bearer token, and the networks allowed without one
# (direct connections only: a request relayed by a proxy needs the token).
METRICS_ENABLED = env_bool("METRICS_ENABLED", True)
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_NETWORKS = env_list(
    "METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
)
# Logged as JSON lines with the request id (railconnect.slow): requests and queries at least this
# slow (ms; 0 turns either off), and how much of a slow query's SQL is kept.
SLOW_REQUEST_MS = env_int("SLOW_REQUEST_MS", 500)
SLOW_QUERY_MS = env_int("SLOW_QUERY_MS", 100)
SLOW_QUERY_SQL_CHARS = env_int("SLOW_QUERY_SQL_CHARS", 500)
# ?profile=1 (staff only): pyinstrument's sampling interval (seconds); PROFILING_ENABLED=0 turns it off.
PROFILING_ENABLED = env_bool("PROFILING_ENABLED", True)
PROFILING_INTERVAL = float(os.environ.get("PROFILING_INTERVAL", 0.001))

# --- API errors and PNR enquiry (docs/security/api-errors.md) --------------------------------
# JSON API request bodies: larger ones are refused with 413 before they are read, and nesting
# deeper than this is refused with 400 (a booking needs 3 levels; Python's parser recursed into a 500).
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 16 * 1024)
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 16)
# A failed CSRF check answers JSON under /api/ and the site's 403 page for forms elsewhere.
CSRF_FAILURE_VIEW = "railconnect.error_pages.csrf_failure"
# Public PNR lookups per client address per minute (then 429 with Retry-After).
RATE_LIMITS["pnr"] = (env_int("PNR_RATE_LIMIT", 30), 60)
# Mobile verification codes (accounts/mobile_verification.py): per client address.
RATE_LIMITS["otp-send"] = (env_int("OTP_SEND_RATE_LIMIT", 10), 3600)
OTP_LENGTH = 6
OTP_VALID_MINUTES = env_int("OTP_VALID_MINUTES", 10)
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 3)
# Codes per account in the window (minutes).
OTP_SENDS_PER_ACCOUNT = env_int("OTP_SENDS_PER_ACCOUNT", 3)
OTP_SEND_WINDOW_MINUTES = env_int("OTP_SEND_WINDOW_MINUTES", 60)
# /verify/<reference> (public: a ticket examiner's phone, or someone guessing): per address.
RATE_LIMITS["ticket-verify"] = (env_int("TICKET_VERIFY_RATE_LIMIT", 30), 60)

# --- Unpaid holds per passenger (booking/hold_limits.py) ---------------------------------------
# Unpaid bookings one passenger may have on one train and journey date (any class), and in all;
# more are refused with 409. An unpaid booking counts for HOLDS_WINDOW_MINUTES after it was made
# even if cancelled or expired, so holds cannot be renewed by re-holding (at least
# BOOKING_HOLD_MINUTES: system check booking.E001).
HOLDS_PER_TRAIN_LIMIT = env_int("HOLDS_PER_TRAIN_LIMIT", 2)
HOLDS_LIMIT = env_int("HOLDS_LIMIT", 6)
HOLDS_WINDOW_MINUTES = env_int("HOLDS_WINDOW_MINUTES", 2 * BOOKING_HOLD_MINUTES)

# --- Login protection (accounts/login_lockout.py, django-axes) --------------------------------
# Failed logins for one username from one address before that pair is refused; failures from one
# address over all usernames before that address is refused; how long either lasts after the last
# failure (seconds). A correct password from another address is never refused.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# The axes backend checks every authentication before any password is compared.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Counters in the database: shared by all workers, with or without Redis (see the module).
AXES_HANDLER = "accounts.login_lockout.LockoutHandler"
AXES_LOCKOUT_PARAMETERS = "accounts.login_lockout.lockout_parameters"
AXES_FAILURE_LIMIT = "accounts.login_lockout.failure_limit"
AXES_COOLOFF_TIME = "accounts.login_lockout.cool_off"
AXES_CLIENT_IP_CALLABLE = "accounts.login_lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.login_lockout.locked_out_response"
# Refused attempts neither prolong the lock nor add rows; no log of successful logins (it would
# grow by a row per login with nothing pruning it).
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True

# --- Background tasks and periodic jobs (django.tasks; docs/tasks.md) -------------------------
# Tasks are rows in the database (django_tasks_db's DatabaseBackend): they survive restarts and a
# worker process runs them (`manage.py db_worker`). Periodic jobs are enqueued by one scheduler
# process (`manage.py run_scheduler`, scheduler/periodic.py). `make run` starts one of each beside
# gunicorn (gunicorn.conf.py, RUN_TASK_PROCESSES). (Tests run tasks immediately: tests/conftest.py.)
TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# How often the scheduler looks for due jobs (s), and each job's interval (s).
SCHEDULER_TICK_SECONDS = float(os.environ.get("SCHEDULER_TICK_SECONDS", 5))
CHART_SWEEP_SECONDS = float(os.environ.get("CHART_SWEEP_SECONDS", 60))
HOLD_SWEEP_SECONDS = float(os.environ.get("HOLD_SWEEP_SECONDS", 60))
DASHBOARD_STATS_PERIODIC_SECONDS = float(os.environ.get("DASHBOARD_STATS_PERIODIC_SECONDS", 600))
RUM_AGGREGATE_SECONDS = float(os.environ.get("RUM_AGGREGATE_SECONDS", 900))
RUM_PRUNE_SECONDS = float(os.environ.get("RUM_PRUNE_SECONDS", 24 * 3600))
# Finished task rows are deleted after this many days (a periodic job, like RUM pruning).
TASK_RESULTS_KEPT_DAYS = env_int("TASK_RESULTS_KEPT_DAYS", 7)

# --- E-tickets (etickets/, docs/etickets.md) -------------------------------------------------------
# The key that signs the references in tickets' QR codes: its own, so rotating SECRET_KEY never
# invalidates a printed ticket. Production sets it; a local run makes one in var/ticket_signing_key.
# To rotate it: the new key here, the old ones (comma-separated) in TICKET_SIGNING_KEY_FALLBACKS.
TICKET_SIGNING_KEY = os.environ.get("TICKET_SIGNING_KEY") or local_secret_key(
    BASE_DIR / "var" / "ticket_signing_key"
)
TICKET_SIGNING_KEY_FALLBACKS = [
    key for key in os.environ.get("TICKET_SIGNING_KEY_FALLBACKS", "").split(",") if key
]
# The site's address, for links made outside a request (the QR code of a PDF mailed by a task).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# A TrueType font with the rupee sign, embedded in the PDF (Debian's fonts-dejavu-core).
ERS_FONT_PATH = os.environ.get("ERS_FONT_PATH", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
ERS_BOLD_FONT_PATH = os.environ.get(
    "ERS_BOLD_FONT_PATH", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
)
# The slip in Hindi and Tamil: a font of each script (regular, bold), embedded beside DejaVu Sans,
# which sets the Latin text (names, stations, PNR). Debian's fonts-noto-core; text shaping through
# uharfbuzz (docs/etickets.md).
_NOTO = "/usr/share/fonts/truetype/noto/"
ERS_SCRIPT_FONT_PATHS = {
    "hi": (
        os.environ.get("ERS_DEVANAGARI_FONT_PATH", _NOTO + "NotoSansDevanagari-Regular.ttf"),
        os.environ.get("ERS_DEVANAGARI_BOLD_FONT_PATH", _NOTO + "NotoSansDevanagari-Bold.ttf"),
    ),
    "ta": (
        os.environ.get("ERS_TAMIL_FONT_PATH", _NOTO + "NotoSansTamil-Regular.ttf"),
        os.environ.get("ERS_TAMIL_BOLD_FONT_PATH", _NOTO + "NotoSansTamil-Bold.ttf"),
    ),
}

# --- Production front end (`make serve`: nginx from deploy/nginx.conf in front of gunicorn) -----
# Read by scripts/serve.py when it renders the nginx configuration (docs/security/infra.md).
# A client must send its whole request header within SERVE_HEADER_TIMEOUT seconds, and may not
# pause longer than SERVE_BODY_TIMEOUT while sending a body or reading a response.
SERVE_HEADER_TIMEOUT = env_int("SERVE_HEADER_TIMEOUT", 10)
SERVE_BODY_TIMEOUT = env_int("SERVE_BODY_TIMEOUT", 15)
# Idle keep-alive connections (nginx's; gunicorn behind it keeps none).
SERVE_KEEPALIVE_TIMEOUT = env_int("SERVE_KEEPALIVE_TIMEOUT", 75)
# Largest request body (MB; the admin's picture uploads are the largest).
SERVE_MAX_BODY_MB = env_int("SERVE_MAX_BODY_MB", 10)
# Per client address, application requests only (not static files): a steady rate per second
# with a burst on top, and requests in progress at once. Generous: many passengers share an
# address behind mobile carriers' NAT. 0 turns a limit off (load tests from one address).
SERVE_RATE_LIMIT = env_int("SERVE_RATE_LIMIT", 20)
SERVE_RATE_BURST = env_int("SERVE_RATE_BURST", 100)
SERVE_CONNECTIONS_PER_CLIENT = env_int("SERVE_CONNECTIONS_PER_CLIENT", 64)
# Connections per nginx worker process (each takes a file descriptor, two when proxied).
SERVE_WORKER_CONNECTIONS = env_int("SERVE_WORKER_CONNECTIONS", 4096)
