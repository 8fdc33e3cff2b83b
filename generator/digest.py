"""The one way phieu hashes structured values: SHA-256 of canonical JSON.

Cache keys, content hashes, slip versions and the change report all use it, so
two values that serialise alike always hash alike, whatever their YAML layout.
"""

from __future__ import annotations

import hashlib
import json


def canonical_json(value: object) -> str:
    """Sorted keys, UTF-8 text kept as is; dates and other objects as their ``str``."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def digest(value: object) -> str:
    """Hex SHA-256 of :func:`canonical_json` of ``value``."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
