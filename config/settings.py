"""MarginLab settings.

Everything comes from environment variables (django-environ) with defaults that run on a laptop:
SQLite and a file-system Celery broker when DATABASE_URL / REDIS_URL are unset.
"""

from decimal import Decimal
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-dev-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "axes",
    "django_htmx",
    "core",
    "accounts",
    "trading",
    "futures",
    "risk",
    "classrooms",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # request.htmx: the web pages answer htmx's polling with fragments instead of whole pages.
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

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

WSGI_APPLICATION = "config.wsgi.application"

# --- Database -------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'marginlab.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one SQLite file: WAL lets readers run beside the
    # writer, and IMMEDIATE transactions take the write lock up front, so select_for_update (a no-op
    # on SQLite) is replaced by whole-database write serialisation instead of "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # Opening a SQLite file costs microseconds and no network round trip: nothing to keep open for.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
else:
    # Persistent connections: a request reuses its process's (or thread's) connection for up to
    # CONN_MAX_AGE seconds instead of opening one each time; the health check drops one the server closed.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    # Prepared statements: parameters bound by the server, not spliced into the SQL text by the client
    # (Django's default with psycopg 3), so a statement has the same text every time, and psycopg prepares it
    # on its connection after five runs (psycopg's prepare_threshold; Django turns it off by default, for
    # connection poolers), so PostgreSQL parses and plans an order's statements once per connection, not on
    # every order (issue 15 item 2). Off (MARGINLAB_PREPARED_STATEMENTS=false) behind a pooler in transaction
    # mode that cannot keep them (PgBouncer before 1.21). Django's "Server-side parameters binding":
    # https://docs.djangoproject.com/en/5.2/ref/databases/#server-side-parameters-binding
    if env.bool("MARGINLAB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"].setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=5)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The balance_valuation index's INCLUDE columns make the risk sweep an index-only scan on PostgreSQL;
# SQLite builds the index without them, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.validators.MaximumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.NotOnlyWhitespaceValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# How many proxies of our own stand in front of the web server, each appending to X-Forwarded-For: the
# caller's address is the one the last of them saw (core.client_ip). 0: REMOTE_ADDR, the header ignored.
# One number for DRF's throttles, django-axes and the Binance API's IP weights.
MARGINLAB_TRUSTED_PROXIES = env.int("MARGINLAB_TRUSTED_PROXIES", default=0)

# Login throttling (django-axes): 5 failures per username and address lock out for 15 minutes.
# Its address is ours (django-ipware is not installed: axes would read REMOTE_ADDR alone, wrong behind a
# proxy); the username is folded as logins are (accounts.models.UserManager), so that "Alice" and "alice"
# share one count.
AXES_CLIENT_IP_CALLABLE = "core.client_ip.client_address"
AXES_USERNAME_CALLABLE = "accounts.auth.axes_username"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # Plotly's own build of plotly.js, out of the installed `plotly` package: no npm, no CDN at run time.
    "config.staticfiles.PackageFileFinder",
]
# Static files that live inside installed Python packages: URL path -> (package, file inside it).
MARGINLAB_PACKAGE_STATIC = {"vendor/plotly.min.js": ("plotly", "package_data/plotly.min.js")}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.staticfiles.ManifestStaticStorage"},
}
# /favicon.ico and its like, served by whitenoise from the site root.
WHITENOISE_ROOT = BASE_DIR / "config" / "public"

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="MarginLab <noreply@marginlab.local>")

# --- Cache ----------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    # core.cache.RedisCache: Django's, with one redis-py client per pool instead of one per call.
    CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Settings, risk tiers, assets and pairs kept per process, retired by a token in the cache on every write
# (trading/lookup_cache.py): only with a cache every process shares.
MARGINLAB_LOOKUP_CACHE = env.bool("MARGINLAB_LOOKUP_CACHE", default=bool(REDIS_URL))

# --- REST framework -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Scripts send `Authorization: Token <key>` (personal API tokens); the web page uses its session.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],  # refuses JSON nested too deep
    "DEFAULT_SCHEMA_CLASS": "config.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "config.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    # Every list is paginated (core.pagination: pages for short lists, cursors for histories).
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PagePagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Per user (per address before sign-in); `auth` is sign-up and token creation, per address or user.
    # core.throttling's classes are DRF's, with the caller's address from core.client_ip; NUM_PROXIES is
    # set from the same number for anything else in DRF that reads it.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonRateThrottle",
        "core.throttling.UserRateThrottle",
    ],
    "NUM_PROXIES": MARGINLAB_TRUSTED_PROXIES,
    # The web sign-up form counts against `auth` too (core.throttling.AuthScopeThrottle). Raised through
    # the environment for load tests only (http_benchmark).
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("MARGINLAB_THROTTLE_ANON", default="120/minute"),
        "user": env("MARGINLAB_THROTTLE_USER", default="1200/minute"),
        "auth": env("MARGINLAB_THROTTLE_AUTH", default="20/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "MarginLab API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Paper trading of Binance-style cross and isolated margin. Amounts are decimal strings. "
        "Scripts authenticate with `Authorization: Token <key>` (POST /api/v1/auth/token). Every error is "
        '`{"error": {"code": ..., "message": ..., "fields": {...}}}`.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # A PATCH body is what its serializer says: PATCH accounts/{id} needs `leverage`; the admin's PATCHes
    # declare every field optional themselves. (The default would make every PATCH body optional.)
    "COMPONENT_SPLIT_PATCH": False,
    "ENUM_NAME_OVERRIDES": {"OrderSideEnum": "trading.models.Order.Side", "PositionSideEnum": ["LONG", "SHORT"]},
    # The API's path converters (core.fields, registered by core.apps): ids of 1 to 18 digits, codes of letters and digits.
    "PATH_CONVERTER_OVERRIDES": {
        "id": {"type": "integer", "minimum": 0, "maximum": 10**18 - 1},
        "code": {"type": "string", "pattern": "^[A-Za-z0-9]{1,32}$"},
    },
}
# A JSON request body larger than this is refused with 413 (config.exceptions): the API's inputs are a
# few hundred bytes; the admin's forms stay far below it too.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024

# --- Celery (every CELERY_* setting lives in this block) -----------------------------------------
# Without REDIS_URL the broker is kombu's file-system transport under var/: the web server, the
# worker and beat are separate processes and need a broker they all see, without a server.
CELERY_BROKER_URL = REDIS_URL or "filesystem://"
if not REDIS_URL:
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=60)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# --- MarginLab ------------------------------------------------------------------------------------
# Fees, slippage, the risk profile, the starting balance and the isolated-account limit are data
# (trading.PlatformSettings, edited by staff), not settings.
MARGINLAB_DEMO_PASSWORD = env("MARGINLAB_DEMO_PASSWORD", default="")
# Where mark prices come from (risk.price_sources): "simulated" (a seeded random walk), "replay" (candles
# from a CSV file, format in risk/data/README.md) or "manual" (staff set them).
MARGINLAB_PRICE_SOURCE = env("MARGINLAB_PRICE_SOURCE", default="simulated")
MARGINLAB_PRICE_SEED = env.int("MARGINLAB_PRICE_SEED", default=42)
MARGINLAB_PRICE_REPLAY_FILE = env(
    "MARGINLAB_PRICE_REPLAY_FILE", default=str(BASE_DIR / "risk" / "data" / "sample_candles.csv")
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # Celery logs every task's arrival, success and dispatch by beat at INFO: a 3-second tick would fill the
    # console and push the login banner out of sight. risk.tasks sums ticks up once a minute instead.
    "loggers": {
        name: {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")}
        for name in ("celery.app.trace", "celery.worker.strategy", "celery.beat")
    },
}

# The risk engine: tick interval (seconds; staff can change the beat entry in the admin), how often a
# margin account with debt gets a snapshot besides those on status changes, and how long snapshots stay.
MARGINLAB_TICK_SECONDS = env.float("MARGINLAB_TICK_SECONDS", default=3.0)
MARGINLAB_SNAPSHOT_INTERVAL = env.int("MARGINLAB_SNAPSHOT_INTERVAL", default=3600)
MARGINLAB_SNAPSHOT_RETENTION_DAYS = env.int("MARGINLAB_SNAPSHOT_RETENTION_DAYS", default=90)
# A sweep is split into account-id ranges of this many ids, one Celery task each.
MARGINLAB_SWEEP_CHUNK_SIZE = env.int("MARGINLAB_SWEEP_CHUNK_SIZE", default=50000)
# Accounts liquidated per transaction (risk.services.liquidation): their rows stay locked until it commits.
MARGINLAB_LIQUIDATION_BATCH = env.int("MARGINLAB_LIQUIDATION_BATCH", default=250)
# PostgreSQL work_mem for the sweep's per-account aggregate (set per transaction, nothing else gets it).
MARGINLAB_SWEEP_WORK_MEM = env("MARGINLAB_SWEEP_WORK_MEM", default="128MB")
# A full sweep marks the accounts within this factor of the highest margin-call line as watched; a tick
# then values only the watched accounts (and those the ledger changed since, allowing this many seconds
# for transactions in flight) while no price has moved by more than the factor since that sweep.
MARGINLAB_WATCH_FACTOR = Decimal(env("MARGINLAB_WATCH_FACTOR", default="1.25"))
MARGINLAB_LEDGER_GRACE_SECONDS = env.int("MARGINLAB_LEDGER_GRACE_SECONDS", default=60)

# Binance's weight limits per minute (trading.binance.throttling): per caller address, 6000 as Binance's
# spot REQUEST_WEIGHT (https://developers.binance.com/docs/binance-spot-api-docs/rest-api/limits), and per
# user for the margin endpoints Binance counts per account, 180000 as its margin UID limit.
MARGINLAB_BINANCE_IP_WEIGHT_LIMIT = env.int("MARGINLAB_BINANCE_IP_WEIGHT_LIMIT", default=6000)
MARGINLAB_BINANCE_UID_WEIGHT_LIMIT = env.int("MARGINLAB_BINANCE_UID_WEIGHT_LIMIT", default=180000)
# USDⓈ-M futures: a notification warns once per episode when a margin ratio reaches this (1 = liquidation).
MARGINLAB_FUTURES_WARNING_RATIO = Decimal(env("MARGINLAB_FUTURES_WARNING_RATIO", default="0.8"))
