"""One signed POST to an endpoint, within time and size limits."""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import certifi
import urllib3
from django.conf import settings

from .addresses import AddressRefused, addresses_resolve

EXCERPT_CHARS = 2000


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    excerpt: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _read_capped(response: urllib3.BaseHTTPResponse, deadline: float) -> bytes:
    """Up to WEBHOOKS_RESPONSE_CAP bytes of the answer, and no longer than the deadline: a
    receiver that drips its answer a byte at a time holds no worker."""
    cap = settings.WEBHOOKS_RESPONSE_CAP
    chunks, size = [], 0
    while size < cap:
        if time.monotonic() > deadline:
            raise TimeoutError("the answer took too long")
        chunk = response.read(min(8192, cap - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def webhook_post(*, url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST `body` to `url` at one of its host's checked addresses; never raises."""
    started = time.monotonic()
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or 443

    def answer(status: int | None = None, excerpt: bytes = b"", error: str = "") -> Answer:
        return Answer(
            status_code=status,
            excerpt=excerpt.decode("utf-8", "replace")[:EXCERPT_CHARS],
            error=error[:500],
            duration_ms=int((time.monotonic() - started) * 1000),
        )

    try:
        address = addresses_resolve(host, port)[0]
    except AddressRefused as error:
        return answer(error=str(error))
    pool = urllib3.HTTPSConnectionPool(
        address,
        port,
        server_hostname=host,
        assert_hostname=host,
        cert_reqs="CERT_REQUIRED",
        ca_certs=settings.WEBHOOKS_CA_BUNDLE or certifi.where(),
        timeout=urllib3.Timeout(
            connect=settings.WEBHOOKS_CONNECT_TIMEOUT, read=settings.WEBHOOKS_READ_TIMEOUT
        ),
        retries=False,
        maxsize=1,
    )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    try:
        response = pool.urlopen(
            "POST",
            target,
            body=body,
            headers={**headers, "Host": netloc},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            deadline = started + settings.WEBHOOKS_READ_TIMEOUT + settings.WEBHOOKS_CONNECT_TIMEOUT
            excerpt = _read_capped(response, deadline)
        finally:
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return answer(error=f"{type(error).__name__}: {error}")
    finally:
        pool.close()
    return answer(status=response.status, excerpt=excerpt)
