# The portal's one image: gunicorn (web), the Celery worker and Celery beat all run from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings.production

# gettext provides msgfmt, which `manage.py compilemessages` runs.
RUN apt-get update \
    && apt-get install --yes --no-install-recommends gettext \
    && rm -rf /var/lib/apt/lists/*

# The processes run as this user; it owns only its home (gunicorn keeps its control socket there).
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --create-home --home-dir /home/portal \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# Dependencies first, from pyproject.toml alone, so that a code change reuses this layer.
# pyproject declares `packages = []`: `pip install .` installs the dependencies (Django,
# gunicorn, celery, ...) and no code; the code runs from /app, copied next.
COPY pyproject.toml ./
RUN pip install . \
    && rm -rf build ./*.egg-info

COPY . .

# Production settings need SECRET_KEY and REDIS_URL at import. These dummy values exist for
# these two build commands only: they are not in the image's environment, and nothing
# connects to Redis here.
RUN SECRET_KEY=build-time-only-not-a-secret REDIS_URL=redis://build-time-only:6379/0 \
        python manage.py compilemessages \
    && SECRET_KEY=build-time-only-not-a-secret REDIS_URL=redis://build-time-only:6379/0 \
        python manage.py collectstatic --noinput

USER portal

EXPOSE 8000

CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000"]
