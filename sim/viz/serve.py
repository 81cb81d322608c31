"""Serving the classroom app (``bordersim app``): Solara's server as a child process that stops with us.

Kept apart from :mod:`sim.viz.app` so the command's own process stays small: it imports neither
Solara nor the model, it checks the scenario (:func:`sim.viz.classroom.resolve_scenario`: a bad one is refused
here, with its file named, before any server starts), starts ``solara run sim.viz.app`` with the scenario's path
in ``BORDERSIM_APP_SCENARIO`` and watches it. The server runs in
its own process group; on Ctrl-C or SIGTERM (see :mod:`sim.signals`) this process stops the whole
group (SIGTERM, then SIGKILL after a grace period), so no server is left holding the port. If this
process is killed outright, the kernel sends the server SIGTERM (:func:`sim.signals.die_with_parent`).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

from sim.signals import die_with_parent, signal_name

#: Seconds the server has to shut down after SIGTERM before it is killed.
GRACE_S = 5.0


def server_command(host: str, port: int) -> list[str]:
    """``solara run sim.viz.app`` on ``host:port``, without a browser, telemetry or a version check online."""
    solara_bin = Path(sys.executable).with_name("solara")
    command = [str(solara_bin)] if solara_bin.exists() else [sys.executable, "-m", "solara"]
    options = ["--host", host, "--port", str(port), "--no-open", "--production", "--no-check-version"]
    return [*command, "run", "sim.viz.app", *options]


def serve(host: str = "127.0.0.1", port: int = 8765, scenario: str = "classroom") -> int:
    """Run the app on ``scenario`` (a file or a shipped scenario's name) until the server exits (its status) or
    until interrupted (0, once the server is stopped).

    Telemetry is switched off and nothing is fetched from the internet.

    Raises:
        InputError: the scenario is missing or has problems.
    """
    from sim.shipped import scenario_folder
    from sim.viz.classroom import resolve_scenario

    path = resolve_scenario(scenario)
    env = {
        **os.environ,
        "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
        "BORDERSIM_APP_SCENARIO": str(path),
        # Solara warns, once per browser, that a cookie asking for samesite=none falls back to lax over plain http:
        # true, and harmless for a page served to this computer or a classroom's network.
        "PYTHONWARNINGS": "ignore:Cookies with samesite=none require https:UserWarning:solara.server.starlette",
    }
    print(f"bordersim app: {path} (other scenarios from {scenario_folder().resolve()})", flush=True)
    print(f"bordersim app: open http://{host}:{port}/ in a browser (Ctrl+C stops the server)", flush=True)
    # preexec_fn is safe here: this process has imported neither Solara nor the model, so runs no threads.
    server = subprocess.Popen(
        server_command(host, port),
        env=env,
        start_new_session=True,
        preexec_fn=die_with_parent,  # noqa: PLW1509
    )
    try:
        return server.wait()
    except KeyboardInterrupt as exc:
        stop_process_group(server)
        print(f"bordersim app: server stopped ({signal_name(exc)})", file=sys.stderr, flush=True)
        return 0


def stop_process_group(process: subprocess.Popen, grace_s: float = GRACE_S) -> None:
    """SIGTERM to the process group led by ``process``, then SIGKILL to whatever of it is left after ``grace_s``."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the server if it hung, and any process it started
    process.wait()
