"""Real-browser fixtures: the app served by `salesdesk serve` on a demo database, driven by
Debian's Chromium through Playwright's sync API.

These tests are plain sync tests (Playwright's sync API refuses to run inside an asyncio
loop) and do not use `db_url`: one SQLite database, loaded by `salesdesk demo`, serves the
whole session. Tests that change a user's saved preferences use a demo user of their own.

Helpers the tests import: login(), csrf_token(), set_language(), screenshot(), check_axe(),
and arrange() to make a story's data in the served database through the services.
"""

from __future__ import annotations

import os
import selectors
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from playwright.sync_api import Browser, Page, Playwright, sync_playwright
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from salesdesk.audit.hook import set_actor
from salesdesk.auth.models import User
from salesdesk.db import run_async
from tests.conftest import CHEAP_ARGON2

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = ROOT / ".venv" / "bin"
SALESDESK = VENV_BIN / "salesdesk"
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

DEMO_PASSWORD = "salesdesk-demo"
SECRET_KEY = "browser-tests-secret-key-not-for-production-0123456789"
SERVER_START_TIMEOUT = 30.0  # seconds until /healthz must answer
DEFAULT_TIMEOUT_MS = 10_000  # Playwright actions and waits

# Demo users (salesdesk/demo.py); names as shown in the user menu.
ADMIN = "admin@example.com"
MANAGER = "manager@example.com"
REP = "rep@example.com"
REP2 = "rep2@example.com"
NAMES = {
    ADMIN: "管理者 太郎",
    MANAGER: "佐藤 健一",
    REP: "鈴木 美咲",
    REP2: "高橋 大輔",
    "rep3@example.com": "田中 由美",
    "rep4@example.com": "伊藤 翔太",
    "manager2@example.com": "渡辺 直樹",
}


# --- the server --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _server_env(database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("SALESDESK_")}
    env.update(
        SALESDESK_DATABASE_URL=database_url,
        SALESDESK_SECRET_KEY=SECRET_KEY,
        SALESDESK_SECURE_COOKIES="0",  # plain http on 127.0.0.1: Secure cookies would be dropped
        SALESDESK_DEBUG="0",
        PYTHONUNBUFFERED="1",
        **CHEAP_ARGON2,
    )
    return env


@dataclass
class _Started:
    ready: bool
    output: bytes


def _wait_for_output(process: subprocess.Popen, marker: bytes, timeout: float) -> _Started:
    """Read the process's output until `marker` appears, it exits, or the deadline passes.

    Waits on the pipe becoming readable (select), not on a timer.
    """
    assert process.stdout is not None
    output = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while marker not in output:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not selector.select(timeout=remaining):
                return _Started(False, output)
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:  # the process exited
                return _Started(False, output)
            output += chunk
    return _Started(True, output)


def _drain(process: subprocess.Popen, log_path: Path) -> None:
    assert process.stdout is not None
    with log_path.open("ab") as log:
        for line in process.stdout:
            log.write(line)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@pytest.fixture(scope="session")
def live_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The SQLite database the live server serves (tests arrange data in it with `arrange`)."""
    return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('browser-db') / 'browser.db'}"


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory, live_db_url: str) -> Iterator[str]:
    """Base URL of `salesdesk serve` on a fresh SQLite database holding the demo data."""
    if not SALESDESK.exists():
        pytest.fail(f"{SALESDESK} is missing: run ./scripts/setup first.", pytrace=False)
    tmp = tmp_path_factory.mktemp("browser")
    env = _server_env(live_db_url)

    demo = subprocess.run([str(SALESDESK), "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if demo.returncode != 0:
        pytest.fail(f"`salesdesk demo` failed ({demo.returncode}):\n{demo.stdout}\n{demo.stderr}", pytrace=False)

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(SALESDESK), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        started = _wait_for_output(server, b"Uvicorn running on", SERVER_START_TIMEOUT)
        if not started.ready:
            pytest.fail(
                f"`salesdesk serve` did not start within {SERVER_START_TIMEOUT:.0f} s "
                f"(exit code {server.poll()}):\n{started.output.decode(errors='replace')}",
                pytrace=False,
            )
        # uvicorn logs "running on" once the socket listens.
        # Keep draining the server's log so it never blocks on a full pipe.
        threading.Thread(target=_drain, args=(server, tmp / "server.log"), daemon=True).start()
        assert _healthy(url), f"{url}/healthz did not answer 200 after startup"
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing. Install it with:\n  sudo apt-get install -y chromium fonts-noto-cjk", pytrace=False
        )
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember each phase's outcome on the item, so `page` can photograph a failure."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def page(browser: Browser, live_server: str, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A new tab in a fresh context (no cookies, no storage) for each test."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800}, locale="ja-JP")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        try:
            screenshot(page, f"FAILED-{request.node.name}")
        except Exception:  # the failure itself is what matters
            pass
    context.close()


# --- helpers the tests import --------------------------------------------------------------


def login(page: Page, email: str, password: str = DEMO_PASSWORD) -> None:
    """Log in through the form on /login (or the login page already shown) and wait for the answer."""
    if "/login" not in page.url:
        page.goto("/login")
    form = page.locator("form[action='/login']")
    form.locator("input[name='email']").fill(email)
    form.locator("input[name='password']").fill(password)
    with page.expect_navigation():
        form.locator("button[type='submit']").click()


def arrange(database_url: str, work: Callable[[AsyncSession], Awaitable[T]], *, as_email: str = ADMIN) -> T:
    """Run `work(session)` against the live server's database and commit: the data a story starts
    from, made through the services like a user would (the acting user is `as_email`)."""

    async def run() -> T:
        engine = create_async_engine(database_url, poolclass=NullPool)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as db:
                actor = await db.scalar(select(User).where(User.email == as_email))
                set_actor(db, actor)
                result = await work(db)
                await db.commit()
                return result
        finally:
            await engine.dispose()

    return run_async(run())


def demo_user(db: AsyncSession, email: str) -> Awaitable[User | None]:
    return db.scalar(select(User).where(User.email == email))


def csrf_token(page: Page) -> str:
    return page.locator("meta[name='csrf-token']").get_attribute("content") or ""


def set_language(page: Page, email: str, code: str = "ja") -> None:
    """Save `code` as the user's language without the UI: for putting state back in a
    `finally`, so it logs in afresh whatever state the failed test left the tab in."""
    page.context.clear_cookies()
    page.goto("/login")
    login(page, email)
    response = page.request.post(f"/lang/{code}", headers={"X-CSRFToken": csrf_token(page)}, max_redirects=0)
    assert response.status == 303, f"POST /lang/{code} answered {response.status}"


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def check_axe(page: Page) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    # Evaluated through the debugging protocol: the CSP refuses an inline <script> tag.
    page.evaluate(AXE_JS.read_text())
    results = page.evaluate("async () => await axe.run()")
    bad = [v for v in results["violations"] if v.get("impact") in ("serious", "critical")]
    lines = []
    for violation in bad:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            checks = node.get("failureSummary", "").splitlines()[1:]  # line 0: "Fix any of the following:"
            summary = "; ".join(line.strip() for line in checks if line.strip())
            lines.append(f"    {node['target']} {node.get('html', '')[:120]}\n        {summary}")
    assert not bad, f"axe on {page.url}:\n" + "\n".join(lines)
