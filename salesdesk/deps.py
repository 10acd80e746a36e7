"""Names routes use for their injected dependencies (Litestar's named dependencies)."""

from __future__ import annotations

from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from salesdesk.auth.models import User
from salesdesk.clock import Clock

Actor = NamedDependency[User]  # the logged-in user (app.py provides it)
DB = NamedDependency[AsyncSession]  # the request's session (advanced-alchemy provides it)
Now = NamedDependency[Clock]  # now and the logged-in user's time zone (app.py provides it)
