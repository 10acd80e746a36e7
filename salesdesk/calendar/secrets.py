"""The CalDAV app passwords, encrypted at rest (Fernet: AES-128-CBC with an HMAC-SHA256).

The key is derived from SALESDESK_SECRET_KEY (HKDF, its own label), so a copied database alone
does not give the passwords away. Changing the secret key makes the stored passwords unreadable:
the settings page then asks the user to connect again (nothing else is lost).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

LABEL = b"salesdesk caldav app passwords v1"


class SecretUnreadable(Exception):
    """The password was encrypted under another secret key."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, password: str) -> str:
    return _fernet(secret_key).encrypt(password.encode()).decode()


def decrypt(secret_key: str, token: str) -> str:
    try:
        return _fernet(secret_key).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable from None
