"""Limits of /api/v1: a rate limit per token (429 + Retry-After), a body cap, a page size cap."""

from __future__ import annotations

from dataclasses import replace

import pytest

from salesdesk.api.limits import BODY_LIMIT, RateLimited, RateLimiter
from salesdesk.app import create_app
from tests.api.test_auth import assert_error, bearer
from tests.conftest import Client


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_bucket_allows_a_burst_then_one_request_per_refill():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=60, clock=clock)

    for _ in range(60):
        limiter.take(1)
    with pytest.raises(RateLimited) as refused:
        limiter.take(1)
    limiter.take(2)  # another token has its own bucket
    clock.now += 1.0  # 60 a minute: one more a second
    limiter.take(1)

    assert refused.value.retry_after == 1


async def test_the_request_over_the_limit_gets_429_json_with_retry_after(settings, engine, rep, make_token):
    token = await make_token(rep, "read")
    async with Client(create_app(replace(settings, api_rate_per_minute=3))) as client:
        answers = [await client.get("/api/v1/me", headers=bearer(token)) for _ in range(4)]

    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert_error(answers[3], 429, "rate_limited")
    assert int(answers[3].headers["retry-after"]) >= 1


async def test_a_body_over_the_cap_is_refused_as_json_before_it_is_parsed(anonymous, rep, make_token):
    token = await make_token(rep)
    body = b'{"name": "' + b"x" * BODY_LIMIT + b'"}'

    r = await anonymous.post(
        "/api/v1/companies", content=body, headers=bearer(token) | {"content-type": "application/json"}
    )

    assert_error(r, 413, "validation_failed")


async def test_a_page_is_at_most_500_rows(anonymous, rep, make_token):
    token = await make_token(rep)

    assert (await anonymous.get("/api/v1/companies?limit=500", headers=bearer(token))).status_code == 200
    assert_error(await anonymous.get("/api/v1/companies?limit=501", headers=bearer(token)), 422, "validation_failed")
