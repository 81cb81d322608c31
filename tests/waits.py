"""Waiting for a state, never for time to pass.

Tests that drive processes or a browser wait for something the program does (a run file written, a lock taken,
a progress bar printed, a step counted), polled until it happens. Each wait returns as soon as its state is
reached, so a test takes as long as the machine needs and no longer. The one bound, :data:`STATE_WAIT_S`, only
turns a program that hangs into a failure instead of a stuck suite: it is far above what the slowest machine
needs for any one state (seconds on a laptop, under a minute on one busy core), so it never decides a result.
``BORDERSIM_STATE_WAIT_S`` lowers it when a developer wants a hung wait to fail fast.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable

import pytest

#: Bound on any one wait for a state (seconds). See the module's docstring.
STATE_WAIT_S = float(os.environ.get("BORDERSIM_STATE_WAIT_S", "600"))


def wait_until(
    ready: Callable[[], bool], what: str, proc: subprocess.Popen | None = None, output: Callable[[], str] = str
) -> None:
    """Poll ``ready()`` until it is true; fail naming ``what`` if ``proc`` ends first or after :data:`STATE_WAIT_S`.

    ``output`` returns the text (the process's error output) to show when it fails.
    """
    deadline = time.monotonic() + STATE_WAIT_S
    while not ready():
        if proc is not None and proc.poll() is not None:
            if ready():
                return
            pytest.fail(f"the process ended (status {proc.returncode}) before {what}: {output()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"no {what} within {STATE_WAIT_S:.0f} s: {output()[-2000:]}")
        time.sleep(0.05)
