"""docs/api.md cannot rot: its fenced Python blocks are run, in order, in one namespace, from a scratch folder."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
API = ROOT / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)


def python_blocks(text: str) -> list[str]:
    return BLOCK.findall(text)


def test_the_api_page_has_a_run_an_experiment_and_pandas():
    code = "\n".join(python_blocks(API.read_text(encoding="utf-8")))
    for name in ("run(", "BorderModel(", "load_experiment(", "run_experiment(", "read_parquet(", "read_csv("):
        assert name in code, name


def test_every_python_block_of_the_api_page_runs(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "scenarios", tmp_path / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__api_doc__"}
    blocks = python_blocks(API.read_text(encoding="utf-8"))
    assert len(blocks) >= 4
    for number, block in enumerate(blocks, 1):
        exec(compile(block, f"{API.name} block {number}", "exec"), namespace)
    assert (tmp_path / "results" / "api_example" / "runs.csv").is_file()
    assert (tmp_path / "results" / "api_example" / "report.html").is_file()
    assert (tmp_path / "results" / "api-run" / "crossings.csv").is_file()


def test_the_block_pattern_finds_fenced_python_only():
    text = "a\n```python\nx = 1\n```\n```sh\nls\n```\n```python\ny = 2\n```\n"
    assert python_blocks(text) == ["x = 1\n", "y = 2\n"]
