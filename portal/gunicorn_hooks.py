"""What gunicorn.conf.py hands gunicorn: a logger that writes no token, and an answer that
does not name the server."""

from gunicorn.glogging import Logger
from gunicorn.http import wsgi

from .log_redaction import TokenRedactingFilter


class TokenRedactingLogger(Logger):
    """gunicorn's logger, with every access and error line passed through
    portal.log_redaction: the request line, the referer and any header a format names."""

    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, TokenRedactingFilter) for f in log.filters):
                log.addFilter(TokenRedactingFilter())


def server_banner_remove() -> None:
    """gunicorn writes `Server: gunicorn` on every answer and has no setting to stop it; the
    name and its version only help whoever looks for a known hole."""
    if getattr(wsgi.Response.default_headers, "without_banner", False):
        return
    default_headers = wsgi.Response.default_headers

    def without_banner(self) -> list[str]:
        return [h for h in default_headers(self) if not h.lower().startswith("server:")]

    without_banner.without_banner = True
    wsgi.Response.default_headers = without_banner
