"""
SFNS settings, read from the environment with django-environ (12-factor).

With no environment at all SFNS runs embedded: SQLite file, tasks run eagerly in-process and
both API clients point at the local emulators (`make run`). Production sets the variables of the
README's configuration table; with DEBUG off it refuses to start without the secrets.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from sfns import api_settings
from sfns.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# --------------------------------------------------------------------------------------------
# Core
# --------------------------------------------------------------------------------------------
DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-sfns-embedded-development-key-do-not-use-in-production"
# The demo webhook secret of the embedded mode (the doctor refuses it once DEBUG is off).
SFNS_DEMO_WEBHOOK_SECRET = "sfns-demo-webhook-secret"

SECRET_KEY = env("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

# Shared secret for inbound webhooks: the token in the Salesforce outbound message URL and the
# HMAC key of NetSuite's signed JSON webhook. Compared in constant time, never logged.
SFNS_WEBHOOK_SECRET = env("SFNS_WEBHOOK_SECRET", default=SFNS_DEMO_WEBHOOK_SECRET if DEBUG else "")

if not DEBUG:
    _missing = [
        name
        for name, value in (
            ("SECRET_KEY", SECRET_KEY),
            ("SFNS_WEBHOOK_SECRET", SFNS_WEBHOOK_SECRET),
            ("ALLOWED_HOSTS", ALLOWED_HOSTS),
        )
        if not value
    ]
    if _missing:
        raise ImproperlyConfigured(
            "DEBUG is off, so these environment variables are required: " + ", ".join(_missing)
        )
    if SECRET_KEY == _DEV_SECRET_KEY or SFNS_WEBHOOK_SECRET == SFNS_DEMO_WEBHOOK_SECRET:
        raise ImproperlyConfigured("DEBUG is off: replace the demo SECRET_KEY/SFNS_WEBHOOK_SECRET.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served as static files
    # Throttles the admin login (see "Security as deployed" below).
    "axes",
    "accounts",
    "settings",
    "integration_log",
    "sync",
]
# Emulators: a dev/test app left out of the wheel, so found in a checkout, not once installed.
if importlib.util.find_spec("emulators") is not None:
    INSTALLED_APPS.append("emulators")

MIDDLEWARE = [
    # First: /healthz and /readyz answer load balancers before the host check and the https
    # redirect (a probe comes by IP over plain http), and without sessions or throttling.
    "sync.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sfns.urls"

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

WSGI_APPLICATION = "sfns.wsgi.application"

# --------------------------------------------------------------------------------------------
# Database: https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
# --------------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Persistent connections on PostgreSQL: a new one costs each request (or each job) more than
# a whole outbound message's queries. Checked before reuse, so a restarted database only costs
# a reconnect. https://docs.djangoproject.com/en/5.2/ref/databases/#persistent-connections
_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
DATABASES["default"].setdefault(
    "CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0 if _SQLITE else 300)
)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Eager tasks, the dev server's threads and the sweep write concurrently: wait for the
    # lock, and take it when a transaction starts (a read lock upgraded later fails at once).
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("timeout", 20)
    sqlite_options.setdefault("transaction_mode", "IMMEDIATE")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

# --------------------------------------------------------------------------------------------
# Security as deployed: https://docs.djangoproject.com/en/5.2/howto/deployment/checklist/
# With DEBUG off the defaults pass `manage.py check --deploy`: SFNS is reached over HTTPS only
# (Salesforce and NetSuite call its webhooks on https URLs, admins log in with passwords). The
# embedded mode (DEBUG on) serves plain http on 127.0.0.1. A production-mode run over plain
# http (a local benchmark) sets SECURE_SSL_REDIRECT=false.
# --------------------------------------------------------------------------------------------
# TLS terminates at the proxy in front of gunicorn, so Django sees http; the proxy names the
# client's scheme in this header, which it must set on every request (overwriting the client's).
# Empty when nothing sits in front (then Django sees the real scheme itself).
_PROXY_SSL_HEADER = env("SECURE_PROXY_SSL_HEADER", default="" if DEBUG else "X-Forwarded-Proto")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
# Any http request is answered with a redirect to https, so nothing is served in clear text.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Session and CSRF cookies only travel over https: a sniffed cookie is a stolen admin session.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# HSTS: browsers that saw SFNS over https never try http again for this long (a year, the
# preload list's minimum). Only sent on https responses, so a plain-http run is not pinned.
# includeSubDomains covers names under SFNS's own host; the preload token alone lists nothing
# (the owner of a registrable domain submits it at hstspreload.org). Set 0 to turn HSTS off.
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Origins (https://host) whose POSTs pass the CSRF check besides SFNS's own host: needed only
# when the proxy serves SFNS under a name Django does not see in Host.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Admin login throttling: django-axes, https://django-axes.readthedocs.io/en/latest/4_configuration.html
# After SFNS_LOGIN_FAILURE_LIMIT wrong passwords a login is refused (429, even with the right
# password) until SFNS_LOGIN_COOLOFF_MINUTES after the last counted failure. Only the password
# login (admin, /actions/) goes through it; API tokens and sessions are not passwords.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("SFNS_LOGIN_FAILURE_LIMIT", default=5)
SFNS_LOGIN_COOLOFF_MINUTES = env.int("SFNS_LOGIN_COOLOFF_MINUTES", default=15)
AXES_COOLOFF_TIME = timedelta(minutes=SFNS_LOGIN_COOLOFF_MINUTES)
# username_and_ip (default): a guesser locks one user from one address, and cannot lock a
# real admin out from elsewhere. ip: an address is locked whatever usernames it tries.
_LOCKOUTS = {"username_and_ip": [["username", "ip_address"]], "ip": ["ip_address"]}
_LOCKOUT = env("SFNS_LOGIN_LOCKOUT", default="username_and_ip")
if _LOCKOUT not in _LOCKOUTS:
    raise ImproperlyConfigured("SFNS_LOGIN_LOCKOUT must be username_and_ip or ip")
AXES_LOCKOUT_PARAMETERS = _LOCKOUTS[_LOCKOUT]
# Tries during a lockout neither extend it nor are stored (a hammering client would grow the
# attempt row without bound); the cool-off runs from the last counted failure.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A successful login forgets the earlier typos.
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_MESSAGE = (
    f"Too many failed logins: this login is locked for {SFNS_LOGIN_COOLOFF_MINUTES} minutes "
    "after the last failed attempt. Try again then, or ask an administrator to unlock it "
    "(Axes > Access attempts in the admin, or manage.py axes_reset_username)."
)
# Masked in the stored attempts (the password always is): django-axes' own list, plus the
# login form's CSRF token.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# How many reverse proxies in front of gunicorn append to X-Forwarded-For: the client address
# that failures are counted by is that many entries from its right. 0: REMOTE_ADDR. Behind the
# TLS proxy set 1, or every client shares the proxy's address; never more than really exist,
# or a client picks its own address.
SFNS_PROXY_COUNT = env.int("SFNS_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "sfns.security.client_ip"

# --------------------------------------------------------------------------------------------
# REST API: token (for systems) or session auth, staff only (sfns/api_settings.py).
# --------------------------------------------------------------------------------------------
REST_FRAMEWORK = api_settings.REST_FRAMEWORK
SPECTACULAR_SETTINGS = api_settings.SPECTACULAR_SETTINGS

# --------------------------------------------------------------------------------------------
# Celery: https://docs.celeryq.dev/en/stable/userguide/configuration.html
# No broker configured -> tasks run eagerly in-process (the embedded mode).
# --------------------------------------------------------------------------------------------
_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not _BROKER_URL
# Eager tasks still take a producer: with no host named, kombu warns it falls back to localhost.
CELERY_BROKER_URL = _BROKER_URL or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_IGNORE_RESULT = True
# A job is acknowledged only once it ran; a worker that dies mid-job gives it back to the broker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a web request when the broker is down: the outbox row is already
# committed and the sweep re-sends it, so give up quickly.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2}
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 5}
CELERY_BEAT_SCHEDULE = {
    "sync-sweep": {
        "task": "sync.tasks.sweep",
        "schedule": env.float("SFNS_SWEEP_SECONDS", default=5.0),
    },
    # Runs a reconcile pass when the interval in the settings (admin) has passed.
    "sync-reconcile": {"task": "sync.tasks.reconcile", "schedule": 60.0},
    # Sends the failure digest when failures wait and its interval (admin) has passed.
    "sync-failure-notices": {"task": "sync.tasks.notify_failures", "schedule": 60.0},
}

# --------------------------------------------------------------------------------------------
# The outbox (sync.models.SyncJob)
# --------------------------------------------------------------------------------------------
# Transient failures wait base * 2^(attempt-1) seconds (with jitter), at most max.
SFNS_RETRY_BASE_SECONDS = env.float("SFNS_RETRY_BASE_SECONDS", default=5.0)
SFNS_RETRY_MAX_SECONDS = env.float("SFNS_RETRY_MAX_SECONDS", default=600.0)
# A worker process renews the claims it holds every SFNS_CLAIM_LEASE_SECONDS / 5: a running job
# whose claim went unrenewed this long lost its worker (killed, its machine gone), and the sweep
# gives it back. Seconds, not minutes: a change waits no longer than that after a worker dies.
SFNS_CLAIM_LEASE_SECONDS = env.float("SFNS_CLAIM_LEASE_SECONDS", default=10.0)
# The last resort, and the only timeout of claims run in-process (the embedded mode): a job
# claimed longer ago than this lost its worker. It must exceed the task time limit.
SFNS_JOB_STALE_SECONDS = env.float("SFNS_JOB_STALE_SECONDS", default=CELERY_TASK_TIME_LIMIT + 60.0)
# A pending job sent this long ago and still not picked up is sent again.
SFNS_JOB_RESEND_SECONDS = env.float("SFNS_JOB_RESEND_SECONDS", default=60.0)

# --------------------------------------------------------------------------------------------
# Salesforce (REST API + OAuth 2.0). Defaults point at the embedded emulator.
# https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_flows.htm
# --------------------------------------------------------------------------------------------
SALESFORCE_LOGIN_URL = env("SALESFORCE_LOGIN_URL", default="https://127.0.0.1:8101")
SALESFORCE_AUTH_FLOW = env("SALESFORCE_AUTH_FLOW", default="password")
SALESFORCE_CLIENT_ID = env("SALESFORCE_CLIENT_ID", default="sfns-demo-client-id")
SALESFORCE_CLIENT_SECRET = env("SALESFORCE_CLIENT_SECRET", default="sfns-demo-client-secret")
SALESFORCE_USERNAME = env("SALESFORCE_USERNAME", default="integration@sfns.example")
SALESFORCE_PASSWORD = env("SALESFORCE_PASSWORD", default="sfns-demo-password")
SALESFORCE_PRIVATE_KEY_FILE = env("SALESFORCE_PRIVATE_KEY_FILE", default="")
SALESFORCE_ORG_ID = env("SALESFORCE_ORG_ID", default="00D000000000001EAA")
SALESFORCE_API_VERSION = env("SALESFORCE_API_VERSION", default="62.0")
if SALESFORCE_AUTH_FLOW not in ("jwt", "client_credentials", "password"):
    raise ImproperlyConfigured("SALESFORCE_AUTH_FLOW must be jwt, client_credentials or password")
# The share of the org's daily API allocation SFNS leaves untouched, for the org's other
# integrations and its users: once the last Sforce-Limit-Info reading leaves less than this,
# Salesforce jobs wait (RateLimited) instead of calling. 0 uses the allocation to the end.
# https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_api.htm
SALESFORCE_API_RESERVE = env.float("SALESFORCE_API_RESERVE", default=0.05)
if not 0 <= SALESFORCE_API_RESERVE < 1:
    raise ImproperlyConfigured("SALESFORCE_API_RESERVE must be a share from 0 up to (not incl.) 1")

# --------------------------------------------------------------------------------------------
# NetSuite (SuiteTalk REST, token-based auth). Defaults point at the embedded emulator.
# https://docs.oracle.com/en/cloud/saas/netsuite/ns-online-help/section_1540391670.html
# --------------------------------------------------------------------------------------------
NETSUITE_ACCOUNT_ID = env("NETSUITE_ACCOUNT_ID", default="1234567_SB1")
NETSUITE_BASE_URL = env(
    "NETSUITE_BASE_URL",
    default=(
        "http://127.0.0.1:8102/services/rest/"
        if DEBUG
        else "https://{}.suitetalk.api.netsuite.com/services/rest/".format(
            NETSUITE_ACCOUNT_ID.lower().replace("_", "-")
        )
    ),
)
NETSUITE_CONSUMER_KEY = env("NETSUITE_CONSUMER_KEY", default="sfns-demo-consumer-key")
NETSUITE_CONSUMER_SECRET = env("NETSUITE_CONSUMER_SECRET", default="sfns-demo-consumer-secret")
NETSUITE_TOKEN_ID = env("NETSUITE_TOKEN_ID", default="sfns-demo-token-id")
NETSUITE_TOKEN_SECRET = env("NETSUITE_TOKEN_SECRET", default="sfns-demo-token-secret")
NETSUITE_CONCURRENCY_LIMIT = env.int("NETSUITE_CONCURRENCY_LIMIT", default=5)
# SuiteQL reads and writes dates in the account's time zone (Setup > Company > Company
# Information): the reconcile converts its watermark with it.
NETSUITE_TIME_ZONE = env("NETSUITE_TIME_ZONE", default="UTC")
# The account's own concurrency limit, shared by every integration of the account: 5, 15 or 20
# by service tier, +10 per SuiteCloud Plus licence (Setup > Integration > Integration
# Management > Integration Governance shows it; no API does). `manage.py doctor` checks SFNS's
# cap against it.
NETSUITE_ACCOUNT_CONCURRENCY_LIMIT = env.int("NETSUITE_ACCOUNT_CONCURRENCY_LIMIT", default=5)

# Jobs wait on the far APIs, not on the CPU: a worker process runs them on threads (no process
# per job, no pickling between processes), enough of them to keep NETSUITE_CONCURRENCY_LIMIT
# calls in flight while the others read and write the database. A backlog spreads over them.
CELERY_WORKER_POOL = env("CELERY_WORKER_POOL", default="threads")
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", NETSUITE_CONCURRENCY_LIMIT + 3)
# The worker's CPU priority below the web's (nice steps; 0: the same): the web answers first,
# the worker's backlog waits in the database (README "Running in production"; B3 measures it).
SFNS_WORKER_NICE = env.int("SFNS_WORKER_NICE", default=10)
CELERY_DB_REUSE_MAX = 1000  # connections kept from task to task (sfns/celery.py says why)
# A worker thread runs due jobs until none is left, for at most this long, then hands over.
SFNS_DRAIN_SECONDS = env.float("SFNS_DRAIN_SECONDS", default=60.0)
# Jobs a worker thread claims at once during a burst: their database work is done together.
# More saves CPU; each job of a claim waits for the ones before it (a thread claims no more than
# its share of the backlog, so a trickle is still one job at a time).
SFNS_CLAIM_BATCH = env.int("SFNS_CLAIM_BATCH", default=16)

# Redis for state shared by all workers (the NetSuite in-flight cap). Defaults to the broker
# when that is Redis; empty -> a per-process cap (fine for the embedded single process).
SFNS_REDIS_URL = env(
    "SFNS_REDIS_URL",
    default=_BROKER_URL if _BROKER_URL.startswith(("redis://", "rediss://")) else "",
)

# Timeouts (seconds) for every outbound HTTP call: (connect, read).
SFNS_HTTP_TIMEOUT = (
    env.float("SFNS_CONNECT_TIMEOUT", default=5.0),
    env.float("SFNS_READ_TIMEOUT", default=60.0),
)

# --------------------------------------------------------------------------------------------
# Email: https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
# The failure digest (IntegrationSettings) goes out through it: smtp+tls://user:password@host:587
# in production; unset, to the console. Its links point at SFNS_BASE_URL.
# --------------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="SFNS <sfns@localhost>")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)  # a hung mail server holds no worker long
SFNS_BASE_URL = env("SFNS_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# --------------------------------------------------------------------------------------------
# Cache: https://docs.djangoproject.com/en/5.2/topics/cache/
# It holds what every process must see alike (the last Salesforce API usage reading), so it
# lives in Redis when there is one; the embedded single process does with its own memory.
# The prefix keeps its keys apart from the broker's in the same Redis database.
# --------------------------------------------------------------------------------------------
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": SFNS_REDIS_URL,
            "KEY_PREFIX": "sfns",
            # A Redis outage must not hang a request or a job on the cache.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
        if SFNS_REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sfns"}
    )
}

# --------------------------------------------------------------------------------------------
# Logging: to stderr, webhook tokens redacted (sfns/logging.py); secrets are never logged.
# --------------------------------------------------------------------------------------------
LOGGING = logging_config(level=env("LOG_LEVEL", default="INFO"))
