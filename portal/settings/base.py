"""Settings shared by every environment; each value that differs comes from the environment."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Absolute links in emails are built from this, never from the request's Host header.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # Before the admin: it adds the per-language fields of catalogue content to admin forms.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "csp",
    "anymail",
    "axes",
    "portal",
    "portal.accounts",
    "portal.tenancy",
    "portal.audit",
    "notifications",
    "agreements",
    "benefits",
    "licensing_center",
    "api",
    "command_center",
    "webhooks",
    "alerts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.accounts.middleware.PrivateAnswersMiddleware",
    "portal.accounts.middleware.UserLanguageMiddleware",
    "portal.tenancy.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes must come last so that it sees the outcome of every sign-in attempt.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every page, in every environment (so tests and the demo see
# what production enforces): scripts and styles only from our own static files, no inline
# code, nothing framed, forms post only to us.
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

# Requests per token and window of the automation API (429 with Retry-After beyond).
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=600)
API_RATE_LIMIT_WINDOW = env.int("API_RATE_LIMIT_WINDOW", default=60)

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["portal.templatetags.dates"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "portal.tenancy.context_processors.actor",
                "alerts.context_processors.alert_bell",
            ],
        },
    },
    # Plain text (email subjects and text parts): nothing is HTML, so nothing is escaped;
    # "D'Arcy & Jo" stays as written. notifications/rendering.py renders with it by name.
    {
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False, "builtins": ["portal.templatetags.dates"]},
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections: a Celery worker otherwise opens a new PostgreSQL connection for
# every task, which costs more than sending the email; health checks drop a dead one.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # No JIT: our pages run many small index lookups whose estimated cost crosses
    # jit_above_cost, and compiling them took longer than running them (42 of the command
    # center's 62 ms).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Axes first: it refuses a locked-out sign-in before a password is checked.
    "axes.backends.AxesStandaloneBackend",
    "portal.accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# A refused forged post answers in the portal's layout and language, not Django's bare page.
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# A visitor who followed a reset link has this long (seconds) to choose the new password:
# the session holding the link's token then expires, and accounts.sessions_expired_clear
# deletes it.
PASSWORD_RESET_SESSION_AGE = 15 * 60

# Sign-in lockout: five failures for one address from one client locks that pair out.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "portal.accounts.lockout.lockout_username"

LANGUAGE_CODE = "en"
# The language cookie goes with links followed from other sites, not with their posts.
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date and time format per language (portal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["portal.formats"]
# Catalogue content (products, packages, levels) in English and French; English when the
# French is blank (django-modeltranslation, see benefits/translation.py).
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = ("en", "fr")
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "media"

# Redis, when configured, carries the Celery broker and the shared cache, in two databases so
# that a cache clear (FLUSHDB) never empties the task queues: the broker keeps REDIS_URL's
# database (queued messages stay where they were), the cache takes the next one. Either can
# be set on its own (CELERY_BROKER_URL, REDIS_CACHE_URL). Without Redis the portal runs
# anywhere: tasks run in-process and the cache lives in local memory.
REDIS_URL = env("REDIS_URL", default="")


def _redis_url_next_database(url: str) -> str:
    parts = urlsplit(url)
    database = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(database + 1) % 16}"))


REDIS_CACHE_URL = env(
    "REDIS_CACHE_URL", default=_redis_url_next_database(REDIS_URL) if REDIS_URL else ""
)
if REDIS_CACHE_URL:
    _redis_cache = {
        "LOCATION": REDIS_CACHE_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="portal"),
        # A Redis that is down or hung answers in a second, not never.
        "OPTIONS": {
            "socket_connect_timeout": env.float("REDIS_CACHE_TIMEOUT", default=1.0),
            "socket_timeout": env.float("REDIS_CACHE_TIMEOUT", default=1.0),
        },
    }
    CACHES = {
        # An error of Redis is a miss (logged), never an error page (portal/cache.py).
        "default": {"BACKEND": "portal.cache.ResilientRedisCache", **_redis_cache},
        # The same database, raising its errors: rate limits (portal/limits.py) count in
        # PostgreSQL while Redis is down instead of letting every attempt through.
        "limits": {"BACKEND": "django.core.cache.backends.redis.RedisCache", **_redis_cache},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CACHES["limits"] = CACHES["default"]
# Sessions live in PostgreSQL alone, so that Redis being down signs nobody out and no page
# fails (cached_db would also bring back, once Redis returns, a session ended meanwhile).
# A database blip while a session is saved is retried once (portal/accounts/sessions.py).
SESSION_ENGINE = "portal.accounts.sessions"

# Linking a partner to an agreement: failed attempts allowed per user, and per IP address (a
# larger budget: an office's people share one), within the window (seconds) before the form
# refuses to check more.
PARTNER_LINK_ATTEMPT_LIMIT = env.int("PARTNER_LINK_ATTEMPT_LIMIT", default=5)
PARTNER_LINK_ATTEMPT_IP_LIMIT = env.int("PARTNER_LINK_ATTEMPT_IP_LIMIT", default=25)
PARTNER_LINK_ATTEMPT_WINDOW = env.int("PARTNER_LINK_ATTEMPT_WINDOW", default=15 * 60)
# Rate limits (portal/limits.py), each a number of attempts within a window in seconds:
# invitations sent, per inviting user and per organization;
INVITATION_LIMIT = env.int("INVITATION_LIMIT", default=20)
INVITATION_LIMIT_WINDOW = env.int("INVITATION_LIMIT_WINDOW", default=60 * 60)
# password reset requests, per address and per IP address (past it, no more emails go);
PASSWORD_RESET_LIMIT = env.int("PASSWORD_RESET_LIMIT", default=5)
PASSWORD_RESET_LIMIT_WINDOW = env.int("PASSWORD_RESET_LIMIT_WINDOW", default=60 * 60)
# failed sign-ins for one account from all addresses together (past it, signing in to that
# account is paused everywhere until the window ends or its holder resets the password);
SIGN_IN_ACCOUNT_LIMIT = env.int("SIGN_IN_ACCOUNT_LIMIT", default=20)
SIGN_IN_ACCOUNT_LIMIT_WINDOW = env.int("SIGN_IN_ACCOUNT_LIMIT_WINDOW", default=60 * 60)
# emails sent again (subscription, invitation, verification), per user or address and per IP.
EMAIL_RESEND_LIMIT = env.int("EMAIL_RESEND_LIMIT", default=10)
EMAIL_RESEND_LIMIT_WINDOW = env.int("EMAIL_RESEND_LIMIT_WINDOW", default=10 * 60)
# Licensing service center: how long its emailed sign-in link (once) and its "click here"
# link work.
LICENSING_SIGN_IN_MAX_AGE = 15 * 60
LICENSING_LINK_MAX_AGE = 24 * 60 * 60
# An Open License runs this many years from the order.
OPEN_LICENSE_TERM_YEARS = 2
# A partner's request to manage an agreement whose customer approves new partners expires
# unanswered after this long; both sides are told.
PARTNER_REQUEST_EXPIRY = timedelta(days=env.int("PARTNER_REQUEST_EXPIRY_DAYS", default=30))
# How long the links in partner emails stay valid: taking charge of an agreement from the
# "partner was added" email, and a customer's invitation to a partner it allowed again.
TAKE_CHARGE_MAX_AGE = 30 * 24 * 3600
PARTNER_INVITATION_MAX_AGE = 14 * 24 * 3600

# Partner network benefits. Product keys are encrypted with these Fernet keys (comma-separated,
# newest first: the first encrypts, all decrypt; see benefits/crypto.py for rotation).
BENEFIT_KEY_ENCRYPTION_KEYS = env.list("BENEFIT_KEY_ENCRYPTION_KEYS", default=[])
# A support benefit is active this many days after it is assigned.
SUPPORT_ACTIVATION_DELAY_DAYS = env.int("SUPPORT_ACTIVATION_DELAY_DAYS", default=3)
# A membership can be renewed from this many days before its term ends.
PARTNER_NETWORK_RENEWAL_WINDOW_DAYS = env.int("PARTNER_NETWORK_RENEWAL_WINDOW_DAYS", default=90)

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
# Emails are acknowledged after they are sent (see notifications.tasks); a worker takes a few
# messages at a time so that one slow send does not hold many others hostage.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = env.int("CELERY_PREFETCH", default=4)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# No task holds a worker for ever: past the soft limit it is told (SoftTimeLimitExceeded) and
# records what it could; past the hard limit its process is replaced. Emails time out sooner
# (EMAIL_TIMEOUT), so only something unforeseen meets these.
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
# Celery closes the database connection after every task unless this is set; the portal's
# own task signals (portal/celery.py) keep it for CONN_MAX_AGE instead, as for a request.
CELERY_DB_REUSE_MAX = 1_000_000
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Far longer than any send, so Redis never hands an unacknowledged email to a second worker.
    "visibility_timeout": 60 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
}
# A request that commits an email must not hang when Redis is down: give up quickly, the
# outbox row stays pending and the sweeper queues it later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {
        "task": "notifications.tasks.notifications_sweep",
        "schedule": env.float("NOTIFICATION_SWEEP_EVERY", default=30.0),
    },
    # Uploads whose task was lost (a worker killed, Redis restarted) are queued again.
    "agreements-bulk-imports-sweep": {
        "task": "agreements.workbooks.bulk_imports_sweep",
        "schedule": env.float("BULK_IMPORT_SWEEP_EVERY", default=60.0),
    },
    # Every line's usage for the day just begun, so quiet days count in Maximum usage too.
    "agreements-usage-snapshot": {
        "task": "agreements.usage.usage_snapshot_daily",
        "schedule": crontab(hour=0, minute=5),
    },
    # Partner requests expire, access past its end date ends, and reminders go before it.
    "agreements-partner-links-review": {
        "task": "agreements.partner_links_review",
        "schedule": crontab(hour=0, minute=15),
    },
    # Expired sessions go, with any password-reset token an abandoned one still held.
    "accounts-sessions-expired-clear": {
        "task": "accounts.sessions_expired_clear",
        "schedule": crontab(minute=17),
    },
    # Webhook deliveries whose retry is due, or whose task was lost, are queued again.
    "webhooks-sweep": {
        "task": "webhooks.sweep",
        "schedule": env.float("WEBHOOKS_SWEEP_EVERY", default=30.0),
    },
    # Alerts: raised and resolved late each day (after the day's usage is known), digests of
    # the day or week before each morning, and the partners' monthly reports on the first.
    "alerts-evaluate": {
        "task": "alerts.evaluate",
        "schedule": crontab(hour=23, minute=45),
    },
    "alerts-digests": {
        "task": "alerts.digests_send",
        "schedule": crontab(hour=6, minute=0),
    },
    "alerts-monthly-reports": {
        "task": "alerts.monthly_reports_send",
        "schedule": crontab(day_of_month=1, hour=6, minute=30),
    },
    # Support benefits whose activation delay has passed become active.
    "benefits-support-activation": {
        "task": "benefits.tasks.support_activations_run",
        "schedule": crontab(minute="*/15"),
    },
}
# Webhooks: only public https hosts unless a test or a developer allows private addresses.
WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", default=False)
# Certificate authorities that receivers' certificates must chain to (default: certifi's).
WEBHOOKS_CA_BUNDLE = env.str("WEBHOOKS_CA_BUNDLE", default="")
WEBHOOKS_CONNECT_TIMEOUT = env.float("WEBHOOKS_CONNECT_TIMEOUT", default=5.0)
WEBHOOKS_READ_TIMEOUT = env.float("WEBHOOKS_READ_TIMEOUT", default=10.0)
WEBHOOKS_RESPONSE_CAP = 64 * 1024
# Seconds between a failed attempt and the next: 10 s, 1 min, 5 min, 30 min, 2 h, 6 h, 12 h,
# then the delivery is marked failed (Redeliver sends it again).
WEBHOOKS_RETRY_DELAYS = env.list(
    "WEBHOOKS_RETRY_DELAYS", cast=int, default=[10, 60, 300, 1800, 7200, 21600, 43200]
)

NOTIFICATION_SWEEP_GRACE = env.int("NOTIFICATION_SWEEP_GRACE", default=60)
NOTIFICATION_SWEEP_BATCH = 1000
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
# A send claims its row for this long (seconds) before it talks to the mail server: longer
# than the hard time limit, so that a claim found older than this belongs to a worker that
# is gone, and the email is "maybe sent" (notifications/tasks.py).
NOTIFICATION_CLAIM_LEASE = env.int("NOTIFICATION_CLAIM_LEASE", default=CELERY_TASK_TIME_LIMIT + 60)
# An upload still waiting this long after it was made (seconds) has lost its task; one
# processing for longer than the hard time limit has lost its worker. Both are queued again.
BULK_IMPORT_SWEEP_GRACE = env.int("BULK_IMPORT_SWEEP_GRACE", default=120)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Email: the demo prints to the console; production reads EMAIL_URL (SMTP) or an anymail
# provider's backend; tests use anymail's test backend.
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env("EMAIL_URL", default=""):
    # e.g. smtp://mailpit:1025 in docker compose; sets EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, ...
    globals().update(env.email_url("EMAIL_URL"))
# Seconds any one SMTP operation may take: a hung mail server fails the attempt (retried later)
# instead of holding a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Partner Portal <no-reply@portal.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ANYMAIL = env.dict("ANYMAIL", default={})
# The providers whose delivery-status webhook is served, e.g. "postmark,sendgrid".
EMAIL_TRACKING_WEBHOOKS = env.list("EMAIL_TRACKING_WEBHOOKS", default=[])

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No token of a link in any line (portal/log_redaction.py).
    "filters": {"tokens_redact": {"()": "portal.log_redaction.TokenRedactingFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["tokens_redact"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
