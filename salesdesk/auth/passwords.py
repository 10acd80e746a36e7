"""argon2id password hashing (argon2-cffi), off the event loop for the server.

One hash or check takes ~0.2 s of a core and 64 MiB. On the event loop it would stall every
other request of the process for that long, so the server awaits `hash_in_thread` and
`verify_in_thread`: argon2-cffi releases the GIL, and the loop keeps serving. There is one
thread per core but one (at least one): a login flood queues logins instead of multiplying
memory, and leaves a core to the loop (benchmarks/logins.py measures /healthz during a flood).
The sync methods stay for the CLI and the demo.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10
_threads = ThreadPoolExecutor(max_workers=max(1, (os.cpu_count() or 2) - 1), thread_name_prefix="argon2")


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)


class Passwords:
    def __init__(self, time_cost: int = 3, memory_kib: int = 65536) -> None:
        self._ph = _hasher(time_cost, memory_kib)

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        if not password_hash:
            # Same work as a real check, so timing does not tell which emails exist.
            self._ph.hash(password)
            return False
        try:
            return self._ph.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._ph.check_needs_rehash(password_hash)

    async def hash_in_thread(self, password: str) -> str:
        return await asyncio.get_running_loop().run_in_executor(_threads, self.hash, password)

    async def verify_in_thread(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.get_running_loop().run_in_executor(_threads, self.verify, password_hash, password)


_current = Passwords()


def configure(time_cost: int, memory_kib: int) -> None:
    global _current
    _current = Passwords(time_cost, memory_kib)


def passwords() -> Passwords:
    return _current
