"""The shared cache, for which Redis being down is a cache that forgets.

Nothing in the portal needs the cache to answer: a read that fails is a miss, a write that
fails is skipped, and both are logged (once a minute at most, not once a request). When Redis
is back, the next call uses it again; nothing needs a restart. Rate limits, which must not
forget, use the plain backend and count in PostgreSQL meanwhile (portal/limits.py)."""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN: tuple[type[Exception], ...] = (
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)
LOG_EVERY_SECONDS = 60


class _Logged:
    last = 0.0


def _log_outage(operation: str, error: Exception) -> None:
    now = time.monotonic()
    if now - _Logged.last >= LOG_EVERY_SECONDS:
        _Logged.last = now
        logger.warning(
            "The cache is unavailable (%s: %s); carrying on without it.", operation, error
        )


def _or(fallback):
    """Answer `fallback(*args, **kwargs)` when Redis cannot be reached."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except REDIS_DOWN as error:
                _log_outage(method.__name__, error)
                return fallback(*args, **kwargs)

        return wrapper

    return decorator


def _default(key, default=None, *args, **kwargs):
    return default


def _nothing(*args, **kwargs):
    return None


def _false(*args, **kwargs):
    return False


def _empty(*args, **kwargs):
    return {}


def _missing(key, *args, **kwargs):
    # What incr/decr say of a key that is not there.
    raise ValueError(f"Key '{key}' not found.")


def _all_failed(data, *args, **kwargs):
    return list(data)


class ResilientRedisCache(RedisCache):
    get = _or(_default)(RedisCache.get)
    get_many = _or(_empty)(RedisCache.get_many)
    has_key = _or(_false)(RedisCache.has_key)
    add = _or(_false)(RedisCache.add)
    set = _or(_nothing)(RedisCache.set)
    set_many = _or(_all_failed)(RedisCache.set_many)
    touch = _or(_false)(RedisCache.touch)
    delete = _or(_false)(RedisCache.delete)
    delete_many = _or(_nothing)(RedisCache.delete_many)
    incr = _or(_missing)(RedisCache.incr)
    decr = _or(_missing)(RedisCache.decr)
    clear = _or(_nothing)(RedisCache.clear)
