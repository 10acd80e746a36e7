"""Browsers at network addresses of their own, whose requests really run at the same time.

The shared `Client` runs each request to its end through a blocking portal, so requests
gathered over it run one after another; these talk to the app over httpx's ASGI transport
on the test's own event loop, so `asyncio.gather` interleaves them as a server would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
import pytest
from litestar import Litestar

from tests.pipeline.conftest import clock, make_task, pipeline  # noqa: F401

Browser = httpx.AsyncClient


@asynccontextmanager
async def browsers(app: Litestar) -> AsyncIterator[Callable[[str], Awaitable[Browser]]]:
    """open(address) -> a browser at that client address, with the CSRF cookie of /login."""
    started, stop = asyncio.Event(), asyncio.Event()

    async def serve() -> None:  # one task enters and leaves the lifespan, as a server's does
        async with app.lifespan():
            started.set()
            await stop.wait()

    server = asyncio.create_task(serve())
    await started.wait()
    try:
        async with AsyncExitStack() as stack:

            async def open_browser(address: str) -> Browser:
                transport = httpx.ASGITransport(app=app, client=(address, 50000))
                browser = await stack.enter_async_context(Browser(transport=transport, base_url="http://testserver"))
                await browser.get("/login")
                return browser

            yield open_browser
    finally:
        stop.set()
        await server


@pytest.fixture
async def browser_at(app: Litestar) -> AsyncIterator[Callable[[str], Awaitable[Browser]]]:
    async with browsers(app) as open_browser:
        yield open_browser


async def try_login(browser: Browser, email: str, password: str) -> httpx.Response:
    form = {"email": email, "password": password, "_csrf_token": browser.cookies["csrftoken"]}
    return await browser.post("/login", data=form)
