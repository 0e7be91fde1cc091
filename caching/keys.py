"""Cache keys: a readable family prefix plus a digest of the parts.

The digest keeps keys short and free of spaces or odd characters whatever a passenger typed;
the family ("search", "place", ...) says what the entry is when reading Redis or statistics.
"""

import hashlib


def cache_key(family, *parts):
    digest = hashlib.blake2b("\x1f".join(str(part) for part in parts).encode(), digest_size=12).hexdigest()
    return f"{family}:{digest}"
