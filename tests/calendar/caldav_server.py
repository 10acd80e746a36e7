"""A real CalDAV server for the sync tests: Radicale, started once per test session on a free
loopback port with a temporary folder (no authentication: any user name owns its own calendars).
Tests change things on its side with the independent `caldav` client, never with our code."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import caldav
import httpx
import pytest

USER = "rep"
PASSWORD = "app-password-1234"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Radicale:
    url: str  # http://127.0.0.1:PORT

    def client(self) -> caldav.DAVClient:
        return caldav.DAVClient(url=f"{self.url}/{USER}/", username=USER, password=PASSWORD)

    def new_calendar(self) -> caldav.Calendar:
        """A calendar of its own for one test (MKCALENDAR; the user's home is made on first use)."""
        url = f"{self.url}/{USER}/cal-{uuid.uuid4().hex[:12]}/"
        auth = (USER, PASSWORD)
        httpx.request("PROPFIND", f"{self.url}/{USER}/", auth=auth, headers={"Depth": "0"}).raise_for_status()
        httpx.request("MKCALENDAR", url, auth=auth).raise_for_status()
        return self.client().calendar(url=url)


def start_radicale(folder: Path) -> tuple[subprocess.Popen, str]:
    """Radicale on a free port; returns once its log says it is ready (read, not slept on)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(folder),
            "--auth-type",
            "none",
            "--logging-level",
            "info",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:  # ends when the process does
        if "server ready" in line:
            break
    else:
        raise RuntimeError(f"Radicale did not start (exit {process.wait()})")
    # Radicale logs every request to stderr: drain it so the pipe never fills up and blocks the server.
    subprocess_drain(process)
    return process, f"http://127.0.0.1:{port}"


def subprocess_drain(process: subprocess.Popen) -> None:
    import threading

    def drain() -> None:
        for _line in process.stderr:  # type: ignore[union-attr]
            pass

    threading.Thread(target=drain, daemon=True).start()


def memory_folder() -> tempfile.TemporaryDirectory:
    """A throwaway folder in memory where there is one: Radicale fsyncs each PUT (~100 ms on a disk)."""
    return tempfile.TemporaryDirectory(dir="/dev/shm" if Path("/dev/shm").is_dir() else None)


@pytest.fixture(scope="session")
def radicale() -> Iterator[Radicale]:
    with memory_folder() as folder:
        process, url = start_radicale(Path(folder))
        try:
            yield Radicale(url)
        finally:
            process.terminate()
            process.wait(timeout=10)
