"""Queueing formulas shared by the courts and the port checkpoints."""

from __future__ import annotations


def erlang_c(c: int, a: float) -> float:
    """Erlang C: probability that an arrival waits in an M/M/c queue with offered load ``a``.

    ``C(c, a) = [a^c / (c! (1 - rho))] / [sum_{k<c} a^k / k! + a^c / (c! (1 - rho))]`` with
    ``rho = a / c`` (Erlang 1917). Computed with the Erlang B recursion for numerical stability.

    Args:
        c: Number of servers (courts), at least 1.
        a: Offered load ``lambda / mu`` (in Erlangs), with ``0 <= a < c``.

    Raises:
        ValueError: ``c < 1`` or the queue is unstable (``a >= c``) or ``a < 0``.
    """
    if c < 1:
        raise ValueError(f"c must be at least 1 server, got {c!r}")
    if not 0 <= a < c:
        raise ValueError(f"offered load a must satisfy 0 <= a < c = {c} for a stable queue, got {a!r}")
    blocking = 1.0
    for k in range(1, c + 1):
        blocking = a * blocking / (k + a * blocking)
    rho = a / c
    return blocking / (1.0 - rho + rho * blocking)


def erlang_c_wait(c: int, arrival_rate: float, service_rate: float) -> float:
    """Mean wait in queue ``Wq = C(c, a) / (c mu - lambda)`` of an M/M/c queue (time units of the rates)."""
    return erlang_c(c, arrival_rate / service_rate) / (c * service_rate - arrival_rate)
