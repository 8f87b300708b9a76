"""Settings shared by every place the service runs; anything that differs comes from the environment."""

import os
from datetime import timedelta
from pathlib import Path

import django.conf.locale
import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "csp",
    "procedures",
    "navi",
    "django_otp",  # staff two-factor: TOTP apps and recovery codes
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",  # staff login lockout
    "staff",
    "counter",
    "studio",
    "audit",
    "reminders",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "navi.compression.PageGZipMiddleware",  # HTML pages gzipped for browsers that accept it
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "staff.middleware.StaffAreaMiddleware",  # /staff/, /counter/, /studio/: allow-list, login, 2FA, idle expiry
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the staff login page saying so
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "navi.pages.lang.context",
            ],
        },
    },
    # The emails the worker writes (reminders/jinja2/): rendered for every message sent, where
    # Django's template language cost more than the rest of the send (config/jinja2.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "mail",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {"environment": "config.jinja2.environment"},
    },
]

# With no DATABASE_URL the quick start runs on one SQLite file shared by web, worker and
# scheduler: WAL lets readers and one writer work side by side, and immediate transactions
# take the write lock up front instead of failing half-way with "database is locked".
VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
SQLITE_PATH = VAR_DIR / "navi.sqlite3"
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        }
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Keep connections between requests: opening one costs more than a whole checklist read.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
# The API's hot static SQL is prepared once per connection on PostgreSQL (procedures/db.py). Off
# behind a pooler in transaction mode that cannot keep prepared statements (PgBouncer < 1.21).
DATABASE_PREPARED_STATEMENTS = env.bool("DATABASE_PREPARED_STATEMENTS", default=True)
if DATABASE_PREPARED_STATEMENTS and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's own cursors bind on the client side and never prepare; this lets psycopg prepare
    # what procedures.db.prepared_cursor sends, the first time.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages (contract): API values ja / en / easy; Django codes ja / en / ja-easy.
LANGUAGE_CODE = "ja"
LANGUAGES = [
    ("ja", _("日本語")),
    ("en", _("English")),
    ("ja-easy", _("やさしい日本語")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Django knows no "ja-easy": やさしい日本語 is declared here (its pages say lang="ja").
LANG_INFO = {"ja-easy": {"bidi": False, "code": "ja-easy", "name": "Easy Japanese", "name_local": "やさしい日本語"}}
django.conf.locale.LANG_INFO.update(LANG_INFO)
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Front-end packages from npm, copied here by bin/vendor at build time: /static/vendor/…
STATICFILES_DIRS = [("vendor", BASE_DIR / "vendor")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# The catalogue this deployment serves.
CATALOGUE_DIR = Path(env.str("CATALOGUE_DIR", default=str(BASE_DIR / "fixtures" / "catalogue")))
# Readings for ふりがな that content authors set over the analyser's (navi.furigana).
FURIGANA_READINGS = Path(env.str("FURIGANA_READINGS", default=str(BASE_DIR / "fixtures" / "readings.yaml")))
CHECKLIST_RETENTION_DAYS = env.int("CHECKLIST_RETENTION_DAYS", default=400)
CHECKLIST_MAX_MEMBERS = 20
# The counter's personal details (names, addresses, birth dates, phone) are deleted this many days
# after the case was opened; the case's facts stay for the city's statistics.
COUNTER_RETENTION_DAYS = env.int("COUNTER_RETENTION_DAYS", default=30)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)

# Celery: Redis when REDIS_URL is set; otherwise kombu's SQLAlchemy transport on a SQLite file,
# so the quick start needs no server.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or f"sqla+sqlite:///{VAR_DIR / 'broker.sqlite3'}"
if not REDIS_URL:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Two worker processes per core: a send spends more of its time waiting (on the SMTP server,
# PostgreSQL and the broker) than computing, so one process per core leaves the cores idle. The
# cores this process may use (its CPU affinity, where the system says); at most 16 processes,
# as each holds a PostgreSQL and an SMTP connection.
_CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=min(2 * _CORES, 16))
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fixup closes the database connection around every task unless told to reuse it:
# a new PostgreSQL connection per task cost a reminder send more than the send itself. Broken
# or obsolete connections are still dropped before each task (reminders/apps.py).
CELERY_DB_REUSE_MAX = 1000

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    # DRF's JSONRenderer output, written by orjson (a checklist is ~100 KB of JSON).
    "DEFAULT_RENDERER_CLASSES": ["navi.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "navi.api_errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "手続ナビ API",
    "DESCRIPTION": "Life-event procedure checklists for residents, counters and API clients.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Content-Security-Policy: no inline script or style anywhere, nothing from third parties.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Permissions-Policy: none of the browser's powerful features, for this site or anything it embeds
# (only names Chromium knows: an unknown one is an error in every page's console).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# The periodic jobs, in one place (django-celery-beat keeps them in the database from here).
CELERY_BEAT_SCHEDULE = {
    "purge-expired-checklists": {"task": "navi.purge_expired_checklists", "schedule": 60 * 60},
    "purge-counter-cases": {"task": "counter.purge_expired_cases", "schedule": 60 * 60},
}

# Mail: EMAIL_URL such as smtp://mail:1025; printed to the console when unset.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="手続ナビ <navi@localhost>")

# Staff accounts (staff/): login, lockout, two-factor, the staff areas' gate --------------------
LOGIN_URL = "staff:login"
LOGIN_REDIRECT_URL = "staff:home"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username+IP before any password check
    "django.contrib.auth.backends.ModelBackend",
]
STAFF_PATH_PREFIXES = ("/staff/", "/counter/", "/studio/")
# Addresses (CIDRs, comma-separated) that may open the staff areas; empty = anywhere.
STAFF_ALLOWED_NETWORKS = env.list("STAFF_ALLOWED_NETWORKS", default=[])
# Seconds without a staff request before a staff session is logged out (residents never time out).
STAFF_IDLE_TIMEOUT = env.int("STAFF_IDLE_TIMEOUT", default=30 * 60)
# Reverse proxies in front that append the client's address to X-Forwarded-For (0: use REMOTE_ADDR).
CLIENT_IP_PROXY_COUNT = env.int("CLIENT_IP_PROXY_COUNT", default=0)
# django-axes: a counter's terminals share one IP, so lock the username at that IP, not the IP.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # "wait N minutes" stays true while they keep trying
AXES_LOCKOUT_CALLABLE = "staff.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_CLIENT_IP_CALLABLE = "staff.network.client_ip"
AXES_VERBOSE = False
# django-otp: the name authenticator apps show next to the code.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="手続ナビ")

# Reminders (reminders/): policy as data, overridable per municipality (the catalogue's code) -----
REMINDER_DAYS_BEFORE = [7, 3, 1, 0]  # days before a deadline, 0 = on the day
# The day's digest (one per checklist and channel, every item due) goes out then (Asia/Tokyo).
REMINDER_SEND_AT = "09:00"
REMINDER_QUIET_HOURS = ("21:00", "08:00")  # nothing in between: deferred to the end
REMINDER_MUNICIPALITY_POLICY = {}  # e.g. {"mirai": {"days_before": [14, 7, 1, 0]}}
REMINDER_MAX_ATTEMPTS = env.int("REMINDER_MAX_ATTEMPTS", default=5)
REMINDER_RETRY_BASE_SECONDS = env.int("REMINDER_RETRY_BASE_SECONDS", default=60)  # doubled per attempt, with jitter
REMINDER_CLAIM_BATCH = 500
REMINDER_SEND_TIME_LIMIT = 60  # seconds a send task may take (hard limit)
# Rows in queued or sending longer than this are published again by the sweeper: longer than a
# send may take, so a row still being sent is never taken twice.
REMINDER_STUCK_AFTER_SECONDS = env.int("REMINDER_STUCK_AFTER_SECONDS", default=180)
REMINDER_MAX_CONTACTS = 4  # per checklist, whatever the channel
# Contacts are encrypted at rest (Fernet); the first key encrypts, every key decrypts (rotation).
# The defaults are for development and tests only: production requires its own (production.py).
REMINDERS_FERNET_KEYS = env.list("REMINDERS_FERNET_KEYS", default=["f1yTaiLQy2WyO3AN0TxOfX9RHSnu1yNudMWyMrtN5SA="])
# Web Push: the VAPID private key (P-256, raw 32 bytes base64url); the public key is derived from it.
REMINDERS_VAPID_PRIVATE_KEY = env("REMINDERS_VAPID_PRIVATE_KEY", default="e5i1TR1ntnvVo618IchGVk4TZtUmxnkiApIW-2XaLJc")
REMINDERS_VAPID_SUBJECT = env("REMINDERS_VAPID_SUBJECT", default="mailto:navi@localhost")
REMINDERS_PUSH_HTTPS_ONLY = True  # push endpoints must be https (tests use a local http one)
# Links in messages: the service's public address.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)  # seconds; a hung SMTP server is a retry, not a stuck worker
