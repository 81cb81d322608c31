"""A content-addressed cache on disk for arrays a large world computes once: the routes' shortest-path trees.

A whole border (``scenarios/national_border.toml`` at 500 m cells: 320,000 cells) takes a Dijkstra search of the
whole map for every staging area and destination; replications and experiments on the same land rebuild exactly
the same trees. :class:`ArrayCache` keeps them in files named by a SHA-256 content hash of everything the arrays
depend on (:func:`content_key`: the rasters' bytes, dtypes and shapes, and the parameters), so a changed terrain,
sensor or routing parameter gives another key and the stale entry is never read; the arrays read back are
identical to those stored.

The cache is used only for maps of at least :data:`LARGE_WORLD_CELLS` cells (smaller ones search faster than they
read a file). Its folder is ``$BORDERSIM_CACHE_DIR`` if set, else ``bordersim/`` in the user's cache folder
(``$XDG_CACHE_HOME`` or ``~/.cache``); ``BORDERSIM_CACHE_DIR=off`` turns it off. Entries can be deleted at any
time (``rm -r ~/.cache/bordersim``); they are written atomically (a temporary file renamed), so runs in parallel
processes may share the folder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

#: Maps with at least this many cells use the cache (national_border at 500 m has 320,000; desert_sector 16,000).
LARGE_WORLD_CELLS = 200_000
#: Bumped whenever what is stored under a key changes meaning, so old entries are never read.
FORMAT_VERSION = 1
#: Environment variable naming the cache folder ("off" turns the cache off).
ENV = "BORDERSIM_CACHE_DIR"


def content_key(kind: str, arrays: dict[str, np.ndarray], params: dict[str, object]) -> str:
    """SHA-256 (hex) of ``kind``, the format version, each array's name, dtype, shape and bytes, and the
    parameters' ``repr`` in key order: equal inputs give equal keys, any changed byte or value another."""
    digest = hashlib.sha256(f"{kind}\0{FORMAT_VERSION}\0".encode())
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        digest.update(f"{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        digest.update(a.tobytes())
    for name in sorted(params):
        digest.update(f"{name}={params[name]!r}\0".encode())
    return digest.hexdigest()


def default_folder() -> Path | None:
    """The cache folder from :data:`ENV` or the user's cache folder; None when the variable says "off"."""
    given = os.environ.get(ENV)
    if given is not None:
        return None if given.strip().lower() == "off" else Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bordersim"


class ArrayCache:
    """Named arrays stored under a content key in ``folder`` (one ``.npz`` file per key)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    @classmethod
    def for_cells(cls, cells: int) -> ArrayCache | None:
        """The default cache for a map of ``cells`` cells: None for small maps or when turned off."""
        folder = default_folder()
        return cls(folder) if folder is not None and cells >= LARGE_WORLD_CELLS else None

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.npz"

    def get(self, key: str) -> dict[str, np.ndarray] | None:
        """The arrays stored under ``key``, or None if there are none (or the file cannot be read)."""
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                return {name: data[name] for name in data.files}
        except (OSError, ValueError):
            return None

    def put(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        """Store ``arrays`` under ``key`` atomically; a folder that cannot be written leaves the cache empty."""
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        except OSError:
            return
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **arrays)
            os.replace(tmp, path)
        except OSError:
            Path(tmp).unlink(missing_ok=True)
