"""Settings for the WMS.

Every knob is read here, through one ``environ.Env``; nothing else in the project reads the environment.
With no environment at all the project runs on SQLite and a Celery broker that needs no server (kombu's
SQLAlchemy transport on the SQLite file ``var/broker.sqlite3``). ``.env.example`` lists every setting.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A local .env is a convenience for developers; real deployments set the environment.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)
# No secret has a default in code. Without DJANGO_SECRET_KEY a random key is made once and kept in var/
# (one machine, e.g. the demo); a deployment with several hosts must set the variable.
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    from django.core.management.utils import get_random_secret_key

    _key_file = VAR_DIR / "secret_key"
    VAR_DIR.mkdir(exist_ok=True)
    try:  # O_EXCL: when web, worker and beat start together, one of them writes the key
        with open(os.open(_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as fh:
            fh.write(get_random_secret_key())
    except FileExistsError:
        pass
    SECRET_KEY = _key_file.read_text().strip()
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
    "drf_spectacular",
    "django_celery_beat",
    "import_export",
    "wms.core",
    "wms.catalog",
    "wms.inventory",
    "wms.counts",
    "wms.inbound",
    "wms.outbound",
    "wms.outbox",
    "integrations.apilog",
    "integrations.onewarehouse",
    "integrations.one",
    "integrations.console",
    "integrations.dashboard",
]  # the simulators' apps are added below, only when SIMULATORS_ENABLED

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "wms.core.events.EventSourceMiddleware",  # the screen an order event was recorded from
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "wms.urls"
WSGI_APPLICATION = "wms.wsgi.application"

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

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process, the worker and beat share one SQLite file.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
else:
    # Each process holds at most DATABASE_POOL_MAX_SIZE connections, whatever its threads: a request or task
    # borrows one from the process's pool and gives it back when it ends (runserver's threads, gunicorn's
    # workers, Celery's tasks all close their connection then); one more waits up to DATABASE_POOL_TIMEOUT.
    # Persistent connections (CONN_MAX_AGE) are incompatible with the pool: runserver's thread per connection
    # kept one each for a minute and took 98 of PostgreSQL's 100 slots. DATABASE_POOL_MAX_SIZE=0 turns the pool
    # off (e.g. behind PgBouncer): then a connection lives for one request or task.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    _pool_max_size = env.int("DATABASE_POOL_MAX_SIZE", default=8)
    if _pool_max_size > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 0,  # an idle process (beat between ticks) gives its connections back
            "max_size": _pool_max_size,
            "timeout": env.float("DATABASE_POOL_TIMEOUT", default=30.0),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise looks there at start
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE", default="whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security: safe by default, relaxed only where DEBUG says it is a developer's machine.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False) else None
)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"  # a view that must be framed by our own pages says so itself (xframe_options_sameorigin)

# --- REST framework and OpenAPI -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "WMS receiving API for OneWarehouse",
    "DESCRIPTION": "The six URLs OneWarehouse pushes to. Every answer is the JSON envelope of the contract.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Celery ---------------------------------------------------------------------------------------------
# The default broker needs no server: kombu's SQLAlchemy transport on a SQLite file. A consumer takes a message
# inside BEGIN IMMEDIATE, so two worker threads or processes never get the same one, and a message is one row
# written in one transaction, so it is never seen half written (kombu's filesystem transport was: the worker
# read an empty file and died). WAL and a busy timeout let web, worker and beat processes write it at once.
# A taken message is held by the worker until acked (acks_late); a warm shutdown puts unacked ones back, a
# killed worker loses the one it ran, which the outbox lease and the beat sweeps recover.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}")
if CELERY_BROKER_URL.startswith("sqla+sqlite:///"):
    _broker_file = Path(CELERY_BROKER_URL.removeprefix("sqla+sqlite:///"))
    _broker_file.parent.mkdir(parents=True, exist_ok=True)

    # kombu's SQLAlchemy transport, made safe for processes that publish to a fresh broker file at once
    # (wms/broker.py). The one alias is set here, where the broker is chosen, so the URL stays kombu's own.
    from functools import partial

    import kombu.transport
    from sqlalchemy.pool import NullPool

    from wms.broker import sqlite_connect

    kombu.transport.TRANSPORT_ALIASES["sqla"] = "wms.broker:Transport"

    # Every option but kombu's own goes to SQLAlchemy's create_engine. NullPool: a SQLite connection is opened
    # per transaction, so none is shared between threads or inherited by a forked (prefork) child.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"creator": partial(sqlite_connect, str(_broker_file)), "poolclass": NullPool}
else:
    # Publishing must not hang a web request when Redis is down: the outbox sweep delivers later.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
    CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# The default schedule; django-celery-beat copies it into the database, where admin can edit it.
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "wms.outbox.tasks.outbox_sweep", "schedule": timedelta(minutes=1)},
    # Stock arrival re-allocates backorders at once; this catches a lost task (e.g. the broker was down).
    "outbound-backorders-sweep": {"task": "wms.outbound.tasks.outbound_backorders_sweep",
                                  "schedule": timedelta(minutes=5)},
    # Orders allocated after their answer (profile v20210901) whose task was lost (the broker was down).
    "outbound-created-sweep": {"task": "wms.outbound.tasks.outbound_created_sweep",
                               "schedule": timedelta(minutes=1)},
    "apilog-prune": {"task": "integrations.apilog.tasks.apilog_prune", "schedule": timedelta(hours=24)},
    "one-history-prune": {"task": "integrations.one.tasks.one_history_prune", "schedule": timedelta(hours=24)},
    "count-tasks-create-due": {"task": "wms.counts.tasks.count_tasks_create_due", "schedule": timedelta(hours=24)},
}

# --- Outbox ---------------------------------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=12)
OUTBOX_BACKOFF_FACTOR_SECONDS = env.int("OUTBOX_BACKOFF_FACTOR_SECONDS", default=15)
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=3600)
# A message claimed by a worker that died is taken again after this lease.
OUTBOX_CLAIM_LEASE_SECONDS = env.int("OUTBOX_CLAIM_LEASE_SECONDS", default=300)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=200)

# --- Warehouse rules ------------------------------------------------------------------------------------
# Receiving more than expected by this share of a line needs a Supervisor.
INBOUND_OVER_RECEIPT_TOLERANCE_PERCENT = env.int("INBOUND_OVER_RECEIPT_TOLERANCE_PERCENT", default=10)
# Orders allocated after their answer (profile v20210901): the worker is woken at most once per this many seconds
# per web process (one trailing wake covers the orders pushed meanwhile); 0 wakes it for every order.
OUTBOUND_ALLOCATION_WAKE_SECONDS = env.float("OUTBOUND_ALLOCATION_WAKE_SECONDS", default=0.1)
# Request the shipping label as soon as an order is packed (otherwise staff start it from admin).
OUTBOUND_LABEL_ON_PACK = env.bool("OUTBOUND_LABEL_ON_PACK", default=False)
# Cycle counts: a bin holding stock that was not counted for this many days gets a count task (the daily beat task
# count_tasks_create_due, or the command of the same name), at most COUNT_DUE_PER_RUN tasks a run.
COUNT_INTERVAL_DAYS = env.int("COUNT_INTERVAL_DAYS", default=90)
COUNT_DUE_PER_RUN = env.int("COUNT_DUE_PER_RUN", default=200)
# Where shipping label files are kept: outside MEDIA_ROOT and never served by URL (only the admin's label view).
OUTBOUND_LABEL_ROOT = env.str("OUTBOUND_LABEL_ROOT", default="") or str(VAR_DIR / "labels")
# The label size printed (each label a page of this size, scaled to fit, aspect kept): 4 x 6 in by default.
OUTBOUND_LABEL_WIDTH_INCHES = env.float("OUTBOUND_LABEL_WIDTH_INCHES", default=4.0)
OUTBOUND_LABEL_HEIGHT_INCHES = env.float("OUTBOUND_LABEL_HEIGHT_INCHES", default=6.0)

# --- OneWarehouse ---------------------------------------------------------------------------------------
ONEWAREHOUSE_ENV = env.str("ONEWAREHOUSE_ENV", default="sandbox")
ONEWAREHOUSE_KEYS = {
    name: {
        # The key pair OneWarehouse signs its pushes with, and the pair we sign our callbacks with.
        "push_app_key": env.str(f"ONEWAREHOUSE_{name.upper()}_PUSH_APP_KEY", default=""),
        "push_app_secret": env.str(f"ONEWAREHOUSE_{name.upper()}_PUSH_APP_SECRET", default=""),
        "app_key": env.str(f"ONEWAREHOUSE_{name.upper()}_APP_KEY", default=""),
        "app_secret": env.str(f"ONEWAREHOUSE_{name.upper()}_APP_SECRET", default=""),
        "base_url": env.str(f"ONEWAREHOUSE_{name.upper()}_BASE_URL", default=""),
    }
    for name in ("sandbox", "production")
}
# OneWarehouse's client (its admin) per environment: the sandbox's is in the access guide; production's link is
# handed over at go-live. Shown on the integration console.
ONEWAREHOUSE_ADMIN_URLS = {
    "sandbox": env.str("ONEWAREHOUSE_SANDBOX_ADMIN_URL", default="https://admin-sandbox.onewarehouse.net/"),
    "production": env.str("ONEWAREHOUSE_PRODUCTION_ADMIN_URL", default=""),
}
ONEWAREHOUSE_PROFILE = env.str("ONEWAREHOUSE_PROFILE", default="v20210901")
# md5 | hmac-sha256 | v20210901-hmac | none; empty: the profile's recipe (contract: md5, v20210901: v20210901-hmac).
ONEWAREHOUSE_SIGNATURE_MODE = env.str("ONEWAREHOUSE_SIGNATURE_MODE", default="")
# CIDRs or addresses, and the keyword "onewarehouse" for OneWarehouse's published egress addresses; empty: any.
ONEWAREHOUSE_ALLOWED_IPS = env.list("ONEWAREHOUSE_ALLOWED_IPS", default=[])
# An order naming an unknown sku_id: placeholder (a product awaiting its data is created) | refuse (unknown_sku);
# empty: the profile's (contract: refuse, v20210901: placeholder).
ONEWAREHOUSE_UNKNOWN_SKU = env.str("ONEWAREHOUSE_UNKNOWN_SKU", default="")
# Profile v20210901: the warehouse and merchant of a push that names none (warehouse_code, account_no).
ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE = env.str("ONEWAREHOUSE_DEFAULT_WAREHOUSE_CODE", default="")
ONEWAREHOUSE_DEFAULT_OWNER_CODE = env.str("ONEWAREHOUSE_DEFAULT_OWNER_CODE", default="")
# The header a trusted reverse proxy puts the client address in (e.g. X-Forwarded-For); empty: REMOTE_ADDR.
ONEWAREHOUSE_TRUSTED_PROXY_HEADER = env.str("ONEWAREHOUSE_TRUSTED_PROXY_HEADER", default="")
ONEWAREHOUSE_TIMESTAMP_TOLERANCE_SECONDS = env.int("ONEWAREHOUSE_TIMESTAMP_TOLERANCE_SECONDS", default=300)
ONEWAREHOUSE_MAX_BODY_BYTES = env.int("ONEWAREHOUSE_MAX_BODY_BYTES", default=1024 * 1024)
# Arrays and objects nested deeper than this are refused (400/1000) before parsing: no payload nests past 3.
ONEWAREHOUSE_MAX_JSON_DEPTH = env.int("ONEWAREHOUSE_MAX_JSON_DEPTH", default=32)
ONEWAREHOUSE_TIMEOUT_SECONDS = env.float("ONEWAREHOUSE_TIMEOUT_SECONDS", default=15.0)
# Shipping labels come as label_base64 or a label_url the worker downloads. Downloads go only to the base URL's
# host, these further hosts, and (with SIMULATORS_ENABLED) the simulators' host; never to a loopback, private,
# link-local or other non-public address unless ONEWAREHOUSE_LABEL_ALLOW_PRIVATE (the local demo and tests, whose
# simulator is on 127.0.0.1). Link-local, multicast and reserved addresses are refused even then.
ONEWAREHOUSE_LABEL_HOSTS = env.list("ONEWAREHOUSE_LABEL_HOSTS", default=[])
ONEWAREHOUSE_LABEL_ALLOW_PRIVATE = env.bool("ONEWAREHOUSE_LABEL_ALLOW_PRIVATE", default=False)
ONEWAREHOUSE_LABEL_MAX_BYTES = env.int("ONEWAREHOUSE_LABEL_MAX_BYTES", default=5 * 1024 * 1024)
# The whole download (every redirect and the body), not each socket read.
ONEWAREHOUSE_LABEL_TIMEOUT_SECONDS = env.float("ONEWAREHOUSE_LABEL_TIMEOUT_SECONDS", default=30.0)
ONEWAREHOUSE_LABEL_MAX_REDIRECTS = env.int("ONEWAREHOUSE_LABEL_MAX_REDIRECTS", default=3)

# --- ONE ------------------------------------------------------------------------------------------------
ONE_BASE_URL = env.str("ONE_BASE_URL", default="")
ONE_TENANT = env.str("ONE_TENANT", default="")
ONE_API_KEY = env.str("ONE_API_KEY", default="")
ONE_MAX_LINES_PER_REQUEST = env.int("ONE_MAX_LINES_PER_REQUEST", default=10_000)
ONE_TIMEOUT_SECONDS = env.float("ONE_TIMEOUT_SECONDS", default=30.0)
# The GET paths: "headings" (.../stocks, as ONE's page titles them) or "examples" (.../products/stocks, as its
# examples write them).
ONE_GET_PATHS = env.str("ONE_GET_PATHS", default="headings")
# How long finished sync runs (with their request bodies) and reconciliations are kept; runs that sent nothing
# (most incremental ticks) go sooner.
ONE_HISTORY_RETENTION_DAYS = env.int("ONE_HISTORY_RETENTION_DAYS", default=30)
ONE_EMPTY_RUN_RETENTION_HOURS = env.int("ONE_EMPTY_RUN_RETENTION_HOURS", default=24)

# --- Simulators and request log -------------------------------------------------------------------------
SIMULATORS_ENABLED = env.bool("SIMULATORS_ENABLED", default=False)
# The built-in fakes of both peers and the demo data: installed (their tables, commands and, in wms/urls.py, their
# URLs) only when SIMULATORS_ENABLED; a production database never has their tables. The tests install them always
# (tests/settings.py) and mount their URLs where a test asks for them.
SIMULATOR_APPS = ["simulators.onewarehouse", "simulators.one", "simulators.demo"]
if SIMULATORS_ENABLED:
    INSTALLED_APPS += SIMULATOR_APPS
# Where the OneWarehouse simulator pushes (the WMS's receiving URLs live under it).
SIMULATOR_WMS_BASE_URL = env.str("SIMULATOR_WMS_BASE_URL", default="http://127.0.0.1:8000")
SIMULATOR_PUSH_TIMEOUT_SECONDS = env.float("SIMULATOR_PUSH_TIMEOUT_SECONDS", default=30.0)
# How the simulated label answer carries the PDF: "base64" (label_base64) or "url" (label_url); a request can
# choose with the query parameter label_mode or the header X-Sim-Label-Mode.
SIMULATOR_ONEWAREHOUSE_LABEL_MODE = env.str("SIMULATOR_ONEWAREHOUSE_LABEL_MODE", default="base64")
# Which label file the simulated carrier hands over: PDF, PNG or ZPL; a request can choose with the query
# parameter label_format or the header X-Sim-Label-Format.
SIMULATOR_ONEWAREHOUSE_LABEL_FORMAT = env.str("SIMULATOR_ONEWAREHOUSE_LABEL_FORMAT", default="PDF")
APILOG_RETENTION_DAYS = env.int("APILOG_RETENTION_DAYS", default=90)
# Header, query and body keys whose values are never stored or logged in clear. A request's sign is not a secret
# (it proves one request, and OneWarehouse's support needs it to discuss a mismatch): it stays readable.
APILOG_SECRET_KEYS = env.list(
    "APILOG_SECRET_KEYS",
    default=["apiauth", "authorization", "app_secret", "appsecret", "secret", "password",
             "api_key", "cookie", "set-cookie", "x-csrftoken"],
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_secrets": {"()": "integrations.apilog.masking.SecretMaskingFilter"},
                "forbidden_without_traceback": {"()": "wms.core.logfilters.ForbiddenWithoutTraceback"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["mask_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own default handler on "django" (DEBUG only) would print each request warning a second time; a
    # refused page (403) is one line without a traceback: it is an answer, not a fault.
    "loggers": {"django": {"handlers": [], "propagate": True},
                "django.request": {"filters": ["forbidden_without_traceback"]}},
}
