"""Radicale behind a tiny forwarding proxy, so the objects stay Radicale's while the server seems
to be another: without sync-token (RFC 6578), `getetag` and ETag headers (`strip`), or one that
answers the first PUT and then never answers again (`hold_after_put`: the test sees the PUT's
event set, and kills the client mid-run)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

STRIPPED = re.compile(rb"<(\w+:)?(sync-token|getetag)\b[^>]*?(/>|>.*?</(\w+:)?\2>)", re.S)
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


@contextmanager
def proxy(upstream: str, *, strip: bool = False, hold_after_put: threading.Event | None = None) -> Iterator[str]:
    """The proxy's base URL (the same paths as `upstream`) while the block runs."""
    client = httpx.Client(base_url=upstream, timeout=20)
    released = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def forward(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            if hold_after_put is not None and hold_after_put.is_set():
                released.wait()  # the client hangs here until it is killed
                return
            if strip and self.command == "REPORT" and b"sync-collection" in body:
                return self.answer(501, {}, b"")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "accept-encoding")}
            response = client.request(self.command, self.path, content=body, headers=headers)
            content = response.content
            kept = {k: v for k, v in response.headers.items() if k.lower() not in HOP}
            if strip:
                content = STRIPPED.sub(b"", content) if response.status_code == 207 else content
                kept.pop("etag", None)
                kept.pop("ETag", None)
            self.answer(response.status_code, kept, content)
            if hold_after_put is not None and self.command == "PUT":
                hold_after_put.set()

        def answer(self, status: int, headers: dict[str, str], content: bytes) -> None:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_MKCALENDAR = forward

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        released.set()
        server.shutdown()
        server.server_close()
        client.close()
