"""The demo and development settings: runs anywhere, with SQLite and in-process tasks by default."""

import os

# The demo shows the product's own 403, 404 and 500 pages, as users see them; a developer
# who wants Django's debug pages runs with DEBUG=true.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", "insecure-local-development-key-never-used-in-production")
# A fixed development key for product keys; production requires its own.
os.environ.setdefault("BENEFIT_KEY_ENCRYPTION_KEYS", "zx5hk1rdNFSAs7GiKUWNQ1VirVfBWI3uhTZzBRFCS-M=")

from .base import *  # noqa: F403
from .base import env

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

# Serve static files from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
