"""Test settings: real PostgreSQL and real Redis, emails captured by anymail's test backend."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-test-suite-only-0123456789")
# A fixed test key for product keys; production requires its own.
os.environ.setdefault("BENEFIT_KEY_ENCRYPTION_KEYS", "zcVQI41GNNp5cew6hWS6WkrGQIV04M2_ZUG8DrqfLnE=")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("CACHE_KEY_PREFIX", "portal-test")

from .base import *  # noqa: F403
from .base import env

DEBUG = False
if not env("EMAIL_URL", default=""):
    # Tests that start a real worker point it at a real SMTP server with EMAIL_URL.
    EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run tasks in-process unless they start a real worker; the broker and the cache stay real.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
PORTAL_BASE_URL = "https://portal.test"

# Serve static files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Provider webhooks answer only requests carrying this basic-auth secret.
ANYMAIL = {"WEBHOOK_SECRET": "webhook-user:webhook-test-secret"}
EMAIL_TRACKING_WEBHOOKS = ["postmark"]
