"""The local SECRET_KEY: random, made once per checkout, kept in a git-ignored file.

Production passes SECRET_KEY in the environment (`make serve` refuses to start without it). A local
run (`make run`, tests, benchmarks) without one reads var/secret_key, creating it on first use, so
sessions and signed links survive a restart and no key ever sits in the repository.

Several processes may start at once (gunicorn workers, parallel tests): each writes a candidate to
a private temporary file (0600) and hard-links it into place, which fails if the file exists, so
exactly one key wins and everybody reads that one.
"""

import os
import tempfile
from pathlib import Path

from django.core.management.utils import get_random_secret_key


def local_secret_key(path):
    path = Path(path)
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, candidate = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")  # mode 0600
    try:
        with os.fdopen(handle, "w") as file:
            file.write(get_random_secret_key() + "\n")
        try:
            os.link(candidate, path)
        except FileExistsError:  # another process won the race: use its key
            pass
    finally:
        os.unlink(candidate)
    return _read(path)


def _read(path):
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"{path} is empty: delete it and a new local key is made")
    return key
