"""Typed settings from the environment (SALESDESK_*); a `.env` file is read for development."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite+aiosqlite:///{VAR_DIR / 'salesdesk.db'}"


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _dev_secret_key() -> str:
    """A key kept in var/ so every local worker shares it; production sets SALESDESK_SECRET_KEY."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = field(default="", repr=False)
    debug: bool = False
    # Cookies get Secure when the request came over https; force it behind a TLS proxy.
    secure_cookies: bool = False
    session_days: int = 14
    default_locale: str = "ja"
    default_time_zone: str = "Asia/Tokyo"
    login_max_failures: int = 5
    login_window_minutes: int = 15
    # argon2id cost; tests lower it so a login takes milliseconds.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    echo_sql: bool = False
    api_rate_per_minute: int = 600  # per API token and worker (salesdesk/api/limits.py)
    # The address users reach salesdesk at ("https://crm.example.co.jp"): absolute links outside a
    # request (feed URLs printed by the CLI); empty: a page's own address.
    base_url: str = ""

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        load_dotenv(ROOT / ".env", override=False)
        env = os.environ.get
        values: dict[str, object] = {
            "database_url": env("SALESDESK_DATABASE_URL") or DEFAULT_DATABASE_URL,
            "secret_key": env("SALESDESK_SECRET_KEY") or "",
            "debug": _bool(env("SALESDESK_DEBUG"), False),
            "secure_cookies": _bool(env("SALESDESK_SECURE_COOKIES"), False),
            "session_days": int(env("SALESDESK_SESSION_DAYS") or 14),
            "default_locale": env("SALESDESK_DEFAULT_LOCALE") or "ja",
            "default_time_zone": env("SALESDESK_TIME_ZONE") or "Asia/Tokyo",
            "echo_sql": _bool(env("SALESDESK_ECHO_SQL"), False),
            "api_rate_per_minute": int(env("SALESDESK_API_RATE_PER_MINUTE") or 600),
            "argon2_time_cost": int(env("SALESDESK_ARGON2_TIME_COST") or 3),
            "argon2_memory_kib": int(env("SALESDESK_ARGON2_MEMORY_KIB") or 65536),
            "base_url": (env("SALESDESK_BASE_URL") or "").rstrip("/"),
        }
        values.update(overrides)
        if not values["secret_key"]:
            values["secret_key"] = _dev_secret_key()
        return cls(**values)  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        return Path(self.database_url.split(":///", 1)[1])
