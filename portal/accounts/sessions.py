"""Sessions in PostgreSQL (SESSION_ENGINE), saved again once after a connection blip.

Django's database backend reads any database error on saving a session as "the session was
deleted meanwhile" and answers 400 "The request's session was deleted before the request
completed". A dropped connection (PostgreSQL restarted, a failover) deleted nothing: reconnect
and save once more; only a save that still affects no row is a deleted session."""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import InterfaceError, OperationalError, connections, router


class SessionStore(DatabaseSessionStore):
    def save(self, must_create: bool = False) -> None:
        try:
            super().save(must_create=must_create)
        except UpdateError as error:
            cause = error.__context__
            if not isinstance(cause, OperationalError | InterfaceError):
                raise
            connection = connections[router.db_for_write(self.model)]
            if connection.in_atomic_block:
                raise cause from None
            connection.close()
            try:
                super().save(must_create=must_create)
            except UpdateError as again:
                if isinstance(again.__context__, OperationalError | InterfaceError):
                    raise again.__context__ from None
                raise
