"""Servers of the fault suite's own, on spare ports: a redis-server and a PostgreSQL cluster
that the tests may stop and restart (never the shared ones on 6379 and 5432), and a recording
SMTP server that can hang or refuse."""

import asyncio
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import psycopg
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from ..workers import ROOT, wait_until

REDIS_PORTS = range(16390, 16400)
POSTGRES_PORTS = range(15440, 15450)


def spare_port(ports: range) -> int:
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no spare port in {ports.start}-{ports.stop - 1}")


class RedisServer:
    """A redis-server that keeps nothing on disk: stopping it loses every key, as a Redis
    restarted without persistence does."""

    def __init__(self) -> None:
        self.port = spare_port(REDIS_PORTS)
        self.process: subprocess.Popen | None = None

    def url(self, database: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{database}"

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        assert wait_until(self.answers, timeout=10), "the fault suite's redis-server did not start"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


def _postgres_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if found:
        return found[-1]
    return shutil.which(name) or name


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


class PostgresCluster:
    """A PostgreSQL cluster of its own, in a temporary directory, that may be restarted."""

    def __init__(self) -> None:
        self.port = spare_port(POSTGRES_PORTS)
        self.directory = Path(tempfile.mkdtemp(prefix="portal-faults-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        self.data = self.directory / "data"

    def url(self, database: str = "portal") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            _as_postgres(
                [
                    _postgres_bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.directory / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    *arguments,
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> None:
        subprocess.run(
            _as_postgres(
                [
                    _postgres_bin("initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "--no-sync",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", options, "start")
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE portal")

    def restart(self) -> None:
        """A fast restart: every connection is cut, the server is back a moment later."""
        self._pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        self._pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)

    def query(self, sql: str, *params) -> list[tuple]:
        with psycopg.connect(self.url(), connect_timeout=5) as connection:
            return connection.execute(sql, params).fetchall()


def manage(*arguments: str, env: dict[str, str]) -> None:
    """Run `manage.py` in its own process with the test settings and `env`."""
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", **env},
        check=True,
        stdout=subprocess.DEVNULL,
    )


class RecordingInbox(MessageHandler):
    """Keeps every message it acknowledged. `mode` decides what DATA gets:
    "accept" (250), "hang" (no answer until the mode changes: the message is not kept),
    "hold" (kept, then no answer until the mode changes: a message the server has but whose
    250 the sender never sees); `hold_after` messages switch it from "accept" to "hold".
    Recipients in `rejected` get 550 at RCPT."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list = []
        self.mode = "accept"
        self.rejected: set[str] = set()
        self.waiting = 0
        self.delay = 0.0
        self.hold_after: int | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rejected:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.hold_after is not None and len(self.messages) >= self.hold_after:
            self.mode, self.hold_after = "hold", None
        mode = self.mode
        if mode == "hold":
            await super().handle_DATA(server, session, envelope)
        if mode in ("hang", "hold"):
            self.waiting += 1
            while self.mode == mode:
                await asyncio.sleep(0.01)
            self.waiting -= 1
            return "451 4.3.0 Try again later" if mode == "hang" else "250 OK"
        return await super().handle_DATA(server, session, envelope)

    def handle_message(self, message):
        self.messages.append(message)

    def received(self) -> Counter:
        """How many copies of each Message-ID arrived."""
        return Counter(message["Message-ID"] for message in self.messages)


class SmtpServer:
    def __init__(self) -> None:
        self.inbox = RecordingInbox()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port)
        self.port = port

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.inbox.mode = "accept"
        self.controller.stop()


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL a worker and its pool processes at once: nothing gets to clean up."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
