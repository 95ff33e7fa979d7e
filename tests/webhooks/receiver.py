"""A real HTTPS server that receives webhooks in the test, with a certificate from a test CA
(trustme) that the portal is told to trust."""

import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    status: int
    # Answered before the sender's timeout: the sender saw this answer.
    answered_in_time: bool


@dataclass
class Receiver:
    """Answers each POST as `answers` says (popped in turn; then `then`): a status code, or
    "slow" to answer 200 only after `slow_seconds`."""

    port: int = 0
    answers: list = field(default_factory=list)
    then: object = 200
    slow_seconds: float = 2.0
    sender_timeout: float = 1.0
    body: bytes = b"ok"
    # Sent as the Location header (a redirect's target), when set.
    location: str = ""
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/hooks/portal"

    def next_answer(self):
        with self.lock:
            return self.answers.pop(0) if self.answers else self.then

    def accepted_ids(self) -> list[str]:
        """The webhook ids the sender saw accepted (2xx within its timeout)."""
        return [
            item.headers["webhook-id"]
            for item in self.received
            if 200 <= item.status < 300 and item.answered_in_time
        ]


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            started = time.monotonic()
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = receiver.next_answer()
            status = 200 if answer == "slow" else int(answer)
            if answer == "slow":
                time.sleep(receiver.slow_seconds)
            in_time = time.monotonic() - started < receiver.sender_timeout
            with receiver.lock:
                receiver.received.append(
                    Received(
                        headers={key.lower(): value for key, value in self.headers.items()},
                        body=body,
                        status=status,
                        answered_in_time=in_time,
                    )
                )
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(receiver.body)))
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.end_headers()
                self.wfile.write(receiver.body)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                pass  # the sender gave up waiting

        def log_message(self, *args):
            pass

    return Handler


class ReceiverServer:
    def __init__(self, ca: trustme.CA, receiver: Receiver):
        self.ca, self.receiver = ca, receiver
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> None:
        server = ThreadingHTTPServer(("127.0.0.1", self.receiver.port), _handler(self.receiver))
        server.daemon_threads = True
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self.receiver.port = server.server_address[1]
        self.server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Down: nothing listens on the port any more."""
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
