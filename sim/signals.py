"""Stopping cleanly on Ctrl-C (SIGINT) and SIGTERM.

Every ``bordersim`` command runs inside :func:`stop_on_signals`: the first SIGINT or SIGTERM raises
:class:`Interrupted` (a ``KeyboardInterrupt``) in the main thread, so a terminal's Ctrl-C, a closing
terminal, ``kill`` and a service manager all take the same path: each command stops its children
(worker processes, the app's server), keeps what it has written, says so in one line and exits with
status ``128 + signal number`` (130 for SIGINT, 143 for SIGTERM). Further signals during that
clean-up are ignored, so it cannot itself be interrupted half-way into a traceback; the clean-up is
bounded in time.

Child processes that the tool starts also die with it if it is killed outright (SIGKILL, out of
memory): :func:`die_with_parent` asks Linux to send them SIGTERM when their parent exits.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The signals that stop a command.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_PR_SET_PDEATHSIG = 1


class Interrupted(KeyboardInterrupt):
    """A command was asked to stop by a signal.

    Attributes:
        signum: the signal's number (``signal.SIGINT`` or ``signal.SIGTERM``).
    """

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_status(exc: BaseException) -> int:
    """The conventional exit status of a process stopped by the signal behind ``exc``: 128 + its number."""
    return 128 + int(getattr(exc, "signum", signal.SIGINT))


def signal_name(exc: BaseException) -> str:
    """``SIGINT`` (Ctrl-C) or ``SIGTERM``, for messages."""
    return signal.Signals(getattr(exc, "signum", signal.SIGINT)).name


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, the first SIGINT or SIGTERM raises :class:`Interrupted`; later ones are ignored.

    Outside the main thread (where Python cannot set signal handlers) the block runs unchanged.
    The previous handlers are restored on leaving the block.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}

    def handler(signum: int, frame: object) -> None:
        for other in STOP_SIGNALS:  # shutting down now: a second signal must not break the clean-up
            signal.signal(other, signal.SIG_IGN)
        raise Interrupted(signum)

    for signum in STOP_SIGNALS:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def _load_prctl():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def die_with_parent(signum: int = signal.SIGTERM) -> None:
    """Have the kernel send ``signum`` to this process when its parent exits (Linux; elsewhere nothing).

    Safe to call between fork and exec (``subprocess``'s ``preexec_fn``): the C function is looked up
    beforehand, at import.
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signum), 0, 0, 0)


def ignore_interrupts_in_worker() -> None:
    """Initializer of worker processes: the coordinating process stops them, a terminal's Ctrl-C does not.

    A Ctrl-C in a terminal reaches every process of the foreground group; a worker that raised
    ``KeyboardInterrupt`` while waiting for work would print a traceback. The coordinator terminates
    the workers itself; and if it is killed outright, the workers follow it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
