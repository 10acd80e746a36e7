"""Webhook tests: endpoints made through the admin service, deals and tasks through their own
(the pipeline's fixtures), a real HTTP receiver on a loopback port, and the deliverer driven pass by
pass with the moment it should take as now."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from salesdesk.auth.models import User
from salesdesk.clock import Clock
from salesdesk.webhooks import delivery, services
from salesdesk.webhooks.forms import EndpointForm, parse_endpoint
from salesdesk.webhooks.models import EVENTS, OutboxEvent, WebhookEndpoint
from tests.pipeline.conftest import clock, make_company, make_deal, make_person, make_task, pipeline, stage  # noqa: F401


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes

    @property
    def payload(self) -> dict[str, Any]:
        return json.loads(self.body)

    @property
    def event_id(self) -> str:
        return self.headers["x-salesdesk-event-id"]

    def signed_with(self, secret: str) -> bool:
        """The check docs/api.md tells a receiver to make."""
        timestamp = self.headers["x-salesdesk-timestamp"]
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers["x-salesdesk-signature"], f"sha256={expected}")


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every request and answers the next of `answers`
    (200 once they run out); `hold_at=n` keeps the n-th request waiting until `release` is set."""

    answers: list[int] = field(default_factory=list)
    delay: float = 0.0
    hold_at: int | None = None
    received: list[Received] = field(default_factory=list)
    holding: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""

    def __post_init__(self) -> None:
        self.lock = threading.Condition()  # notified on every request: tests wait on it, never poll

    def answer(self, request: Received) -> tuple[int, float]:
        with self.lock:
            self.received.append(request)
            held = len(self.received) == self.hold_at
            status = self.answers.pop(0) if self.answers else 200
            self.lock.notify_all()
        if held:
            self.holding.set()
            self.release.wait(30)
        return status, self.delay

    def ids(self) -> list[str]:
        with self.lock:
            return [r.event_id for r in self.received]

    def wait_for_ids(self, wanted: set[str], seconds: float = 60) -> bool:
        """True once every id in `wanted` has arrived (woken by each request), False at the deadline."""
        with self.lock:
            return self.lock.wait_for(lambda: wanted <= {r.event_id for r in self.received}, timeout=seconds)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, delay = receiver.answer(Received({k.lower(): v for k, v in self.headers.items()}, body))
            if delay:
                threading.Event().wait(delay)  # a slow receiver
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:  # the deliverer is gone (killed mid-request)
                pass

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def start_receiver() -> Iterator[Callable[..., Receiver]]:
    """start_receiver(answers=[500, 500], delay=0.0, hold_at=None) -> a running Receiver."""
    servers = []

    def start(**options: Any) -> Receiver:
        receiver = Receiver(**options)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
        server.daemon_threads = True
        receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append((server, receiver))
        return receiver

    yield start
    for server, receiver in servers:
        receiver.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def receiver(start_receiver: Callable[..., Receiver]) -> Receiver:
    return start_receiver()


@pytest.fixture
def make_endpoint(db: AsyncSession, admin: User) -> Callable[..., Awaitable[WebhookEndpoint]]:
    """make_endpoint(url, events=every event) -> an active endpoint an admin registered (committed)."""

    async def make(url: str, events: tuple[str, ...] = EVENTS) -> WebhookEndpoint:
        endpoint = await services.create_endpoint(db, admin, parse_endpoint(EndpointForm(url=url), list(events)))
        await db.commit()
        return endpoint

    return make


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@pytest.fixture
async def deliver(sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """deliver(clock=Clock()) -> one pass of the deliverer, as `salesdesk deliver-webhooks --once` makes it."""
    async with httpx.AsyncClient() as client:

        async def run(at: Clock | None = None, timeout: float = delivery.TIMEOUT) -> delivery.Pass:
            return await delivery.run_once(sessions, client, at or Clock(), timeout=timeout)

        yield run


@pytest.fixture
def outbox(sessions: async_sessionmaker[AsyncSession]) -> Callable[[], Awaitable[list[dict[str, Any]]]]:
    """outbox() -> the payloads in the outbox as committed, oldest first."""

    async def read() -> list[dict[str, Any]]:
        async with sessions() as fresh:
            bodies = await fresh.scalars(select(OutboxEvent.body).order_by(OutboxEvent.id))
            return [json.loads(body) for body in bodies]

    return read
