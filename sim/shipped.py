"""The shipped examples (``sim/examples/``): scenarios and experiments that travel with the package.

The repository's top-level ``scenarios/`` and ``experiments/`` folders are the one copy. ``sim/examples/scenarios``
and ``sim/examples/experiments`` are links to them, which the wheel carries as files (package data), so an installed
``bordersim`` finds them in its own package folder (:data:`EXAMPLES`).

Commands that name a shipped file (``bordersim demo``, ``app``, ``run scenarios/classroom.toml``, ...) use the one in
the working directory when it is there (a copy being edited) and otherwise the shipped one, saying which
(:func:`find_input`). ``bordersim examples DIR`` copies both folders out for editing (:func:`copy_examples`); the
relative paths inside them (an experiment's ``scenario = "../scenarios/x.toml"``, a scenario's rasters) work
from the copy as they do from the package.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from sim.schema import InputError, Problem

#: The package's copy of the examples: ``scenarios/`` and ``experiments/``.
EXAMPLES = Path(__file__).resolve().parent / "examples"
#: The two example folders, as named in the working directory and in :data:`EXAMPLES`.
FOLDERS = ("scenarios", "experiments")


def find_input(path: str | Path, *, say: bool = True) -> Path:
    """``path`` itself if it exists; else, for a relative path into a shipped folder (``scenarios/...`` or
    ``experiments/...``) that the package holds, the package's file, with a note on standard error naming it
    (when ``say``). Anything else is returned unchanged, so the reader of the file reports it missing."""
    given = Path(path)
    if given.exists() or given.is_absolute() or not given.parts or given.parts[0] not in FOLDERS:
        return given
    shipped = EXAMPLES / given
    if not shipped.is_file():
        return given
    if say:
        print(f"note: {given} is not in the working directory; using the shipped one, {shipped}", file=sys.stderr)
    return shipped


def scenario_folder() -> Path:
    """``scenarios/`` in the working directory when there is one, else the shipped scenarios."""
    here = Path("scenarios")
    return here if here.is_dir() else EXAMPLES / "scenarios"


def copy_examples(dest: Path) -> list[Path]:
    """Copy the shipped ``scenarios/`` and ``experiments/`` into ``dest`` (created if missing); the folders made.

    Refuses, overwriting nothing, when ``dest`` is a file or a folder that is not empty.
    """
    if dest.exists() and not dest.is_dir():
        raise InputError([Problem("DIR", "", f"'{dest}' is a file; give a new or empty folder for the examples")])
    if dest.is_dir() and any(dest.iterdir()):
        raise InputError(
            [Problem("DIR", "", f"'{dest}' is not empty; give a new or empty folder (nothing was copied)")]
        )
    dest.mkdir(parents=True, exist_ok=True)
    made = []
    for folder in FOLDERS:
        made.append(
            Path(shutil.copytree(EXAMPLES / folder, dest / folder, ignore=shutil.ignore_patterns("__pycache__")))
        )
    return made
