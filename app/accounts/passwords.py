"""Password hashing with argon2id (argon2-cffi's defaults follow RFC 9106)."""

from __future__ import annotations

import os

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

# The test suite signs in thousands of times; at the real cost (64 MiB, 3 passes) that alone
# took minutes of CI. It sets this variable to hash with argon2id's cheapest parameters: the same
# code path, a fraction of the work. Never set it on a server: hashes made with it are weak
# (signing in again with the variable unset rehashes them at full cost, see needs_rehash).
CHEAP_HASHES_VARIABLE = "MINKA_TEST_CHEAP_PASSWORD_HASHES"

_hasher = (
    PasswordHasher.from_parameters(profiles.CHEAPEST)
    if os.environ.get(CHEAP_HASHES_VARIABLE) == "1"
    else PasswordHasher()
)
# Verified against when the account does not exist, so both answers take the same time.
_DUMMY_HASH = _hasher.hash("minka-no-such-account")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
