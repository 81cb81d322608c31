"""An installed copy works outside the repository: the wheel that ``pip wheel`` builds, installed in a fresh virtual
environment and run from an empty folder, copies its examples out, runs the demo on the shipped examples and
serves the app.

Nothing is fetched: the wheel is built with ``--no-build-isolation --no-index`` (the environment's setuptools, as the
Makefile installs), installed with ``--no-deps --no-index``, and the new environment reaches the test environment's
dependencies through a ``.pth`` file naming its site-packages (appended after the new environment's own, so the
installed ``sim`` is the wheel's, not the repository's). The files that packages install beside their code (Jupyter's
configuration and data, which Solara reads) stay under the test environment's prefix: ``JUPYTER_CONFIG_PATH`` and
``JUPYTER_PATH`` point the app there. A real ``pip install bordersim-*.whl`` installs them in its own environment.
"""

from __future__ import annotations

import os
import shutil
import signal
import site
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.waits import STATE_WAIT_S, wait_until

ROOT = Path(__file__).resolve().parents[1]
#: What the build needs from the source tree (``sim/examples`` holds links to the two example folders).
SOURCES = ("pyproject.toml", "README.md", "sim", "scenarios", "experiments")


def _run(command: list, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(c) for c in command], check=False, cwd=cwd, capture_output=True, text=True, timeout=STATE_WAIT_S, **kwargs
    )


def _ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh virtual environment with bordersim installed from its wheel; its ``bin`` folder."""
    base = tmp_path_factory.mktemp("installed")
    src = base / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / name, src / name)
    _ok(_run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "--no-build-isolation", "--no-index",
              "-w", base / "wheels", "-q"], src))  # fmt: skip
    (wheel,) = (base / "wheels").glob("bordersim-*.whl")
    venv = base / "venv"
    _ok(_run([sys.executable, "-m", "venv", venv], base))
    python = venv / "bin" / "python"
    _ok(_run([python, "-m", "pip", "install", "--no-deps", "--no-index", "-q", wheel], base))
    purelib = _ok(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base)).stdout
    (Path(purelib.strip()) / "bordersim-test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    where = _ok(_run([python, "-c", "import sim; print(sim.__file__)"], base)).stdout
    assert Path(where.strip()).is_relative_to(venv), f"sim imported from {where}, not from the installed wheel"
    return venv / "bin"


def test_every_example_file_ships_with_the_package():
    """pyproject's package-data for ``sim`` names every file of scenarios/ and experiments/ (through the links
    in sim/examples), and the links lead to the repository's folders, the one copy."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    package = ROOT / "sim"
    shipped = {
        p.resolve() for pattern in config["tool"]["setuptools"]["package-data"]["sim"] for p in package.glob(pattern)
    }
    examples = {p.resolve() for d in ("scenarios", "experiments") for p in (ROOT / d).rglob("*") if p.is_file()}
    assert len(examples) > 10 and examples <= shipped, sorted(str(p) for p in examples - shipped)
    for folder in ("scenarios", "experiments"):
        assert (package / "examples" / folder).resolve() == (ROOT / folder).resolve()


def _empty(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


@pytest.mark.slow
def test_installed_examples_demo_and_app_work_from_an_empty_folder(installed, tmp_path):
    bordersim = installed / "bordersim"

    # bordersim examples DIR: both folders, whose relative paths (an experiment's scenario, rasters) still work.
    work = _empty(tmp_path, "examples")
    out = _ok(_run([bordersim, "examples", "mine"], work)).stdout
    mine = work / "mine"
    shipped = {p.relative_to(ROOT).as_posix() for d in ("scenarios", "experiments") for p in (ROOT / d).rglob("*.*")}
    assert {p.relative_to(mine).as_posix() for p in mine.rglob("*.*")} == shipped
    assert "mine/scenarios/" in out
    validated = _ok(_run([bordersim, "validate", *sorted(mine.glob("*/*.toml")),
                          mine / "scenarios/geo_example/geo_example.toml"], work)).stdout  # fmt: skip
    assert validated.count(": OK") == len(list(mine.glob("*/*.toml"))) + 1
    assert "EPSG:32613" in validated  # geo_example found its GeoTIFF terrain beside it

    # Bad input: a folder that is not empty, or a file; nothing is overwritten.
    (mine / "experiments" / "policy_comparison.toml").write_text("# edited\n", encoding="utf-8")
    again = _run([bordersim, "examples", "mine"], work)
    assert again.returncode == 2 and "'mine' is not empty" in again.stderr and "Traceback" not in again.stderr
    assert (mine / "experiments" / "policy_comparison.toml").read_text(encoding="utf-8") == "# edited\n"
    (work / "notes.txt").write_text("mine\n", encoding="utf-8")
    onto_file = _run([bordersim, "examples", "notes.txt"], work)
    assert onto_file.returncode == 2 and "'notes.txt' is a file" in onto_file.stderr
    assert (work / "notes.txt").read_text(encoding="utf-8") == "mine\n"

    # bordersim demo --quick, where there are no scenarios or experiments: the shipped ones, named.
    work = _empty(tmp_path, "demo")
    demo = _ok(_run([bordersim, "demo", "--quick"], work))
    package = installed.parent / "lib"
    assert f"scenarios from {package}" in demo.stdout
    assert "Policy comparison: " + str(package) in demo.stdout
    assert (work / "results" / "policy_comparison_quick" / "report.html").is_file()
    assert len(list((work / "results" / "maps").glob("*.png"))) == len(list((ROOT / "scenarios").glob("*.toml")))

    # bordersim app serves the shipped scenarios and stops cleanly on SIGTERM.
    work = _empty(tmp_path, "app")
    names = _ok(_run([installed / "python", "-c", "from sim.viz import app; print(app.scenario_names())"], work))
    assert names.stdout.startswith("['classroom', ") and "two_nations" in names.stdout
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = work / "app.log"
    prefix = Path(sys.prefix)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_PATH": str(prefix / "etc/jupyter"),
        "JUPYTER_PATH": str(prefix / "share/jupyter"),
    }
    with log.open("w") as sink:
        proc = subprocess.Popen(
            [bordersim, "app", "--port", str(port)], cwd=work, stdout=sink, stderr=subprocess.STDOUT, env=env
        )
        try:
            page: list[str] = []

            def answers() -> bool:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                        page.append(response.read().decode("utf-8", errors="replace"))
                        return response.status == 200
                except urllib.error.HTTPError as exc:
                    pytest.fail(f"the installed app answered {exc.code}: {log.read_text()[-3000:]}")
                except OSError:
                    return False

            wait_until(answers, "answer from the installed app", proc, output=log.read_text)
            assert "solara" in page[-1].lower()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=STATE_WAIT_S) == 0
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
    text = log.read_text()
    assert f"scenarios from {package}" in text and "server stopped (SIGTERM)" in text and "Traceback" not in text
