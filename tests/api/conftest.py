"""API test helpers: `api(user, scope)` is a client that sends that user's token on every call."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from salesdesk.audit.models import AuditEntry


class ApiClient:
    def __init__(self, client: Any, token: str) -> None:
        self.client, self.token = client, token
        self.headers = {"Authorization": f"Bearer {token}"}

    async def get(self, url: str, **kw: Any) -> Any:
        return await self.client.get(url, headers=self.headers, **kw)

    async def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        return await self.client.post(url, headers=self.headers, json=json, **kw)

    async def patch(self, url: str, json: Any = None, **kw: Any) -> Any:
        return await self.client.patch(url, headers=self.headers, json=json, **kw)

    async def delete(self, url: str, **kw: Any) -> Any:
        return await self.client.delete(url, headers=self.headers, **kw)


@pytest.fixture
async def api(anonymous, make_token) -> Callable[..., Awaitable[ApiClient]]:
    async def make(user: Any, scope: str = "write") -> ApiClient:
        return ApiClient(anonymous, await make_token(user, scope))

    return make


@pytest.fixture
def audit_of(db) -> Callable[..., Awaitable[list[AuditEntry]]]:
    """audit_of(entity, entity_id) -> the audit entries of one row, oldest first (fresh from the database)."""

    async def read(entity: str, entity_id: int) -> list[AuditEntry]:
        query = select(AuditEntry).execution_options(populate_existing=True)
        query = query.where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        return list(await db.scalars(query.order_by(AuditEntry.id)))

    return read
