"""Animated runs: frame counts, frames that show something and change, side-by-side comparison, errors."""

from __future__ import annotations

import shutil
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sim.cli import main
from sim.viz.animate import animate, clock_text, parse_compare

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "classroom.toml"


def frames_of(path: Path) -> list[np.ndarray]:
    with Image.open(path) as im:
        out = []
        for k in range(im.n_frames):
            im.seek(k)
            out.append(np.asarray(im.convert("RGB"), dtype=np.int16))
        return out


@pytest.fixture(scope="module")
def single_gif(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("anim") / "run.gif"
    animate(SCENARIO, out, days=2, seed=3, frames_per_day=6, progress=False)
    return out


def test_gif_has_one_frame_per_sample_and_frames_show_and_change(single_gif):
    frames = frames_of(single_gif)
    assert len(frames) == 12  # 2 days x 6 frames a day
    for frame in frames:
        assert frame.std() > 20  # a map, not a blank image
    changed = [np.abs(a - b).sum() for a, b in pairwise(frames)]
    assert all(c > 0 for c in changed)  # at least the clock moves every frame


def test_compare_is_wider_and_titles_both(tmp_path, single_gif):
    out = tmp_path / "compare.gif"
    animate(
        SCENARIO,
        out,
        days=1,
        seed=3,
        frames_per_day=3,
        compare=parse_compare("more patrols: patrols.count=8, patrols.strategy=hotspot"),
        progress=False,
    )
    with Image.open(out) as im, Image.open(single_gif) as single:
        assert im.n_frames == 3
        assert im.size[0] > 1.6 * single.size[0]
        assert abs(im.size[1] - single.size[1]) < 0.2 * single.size[1]


def test_cli_writes_gif(tmp_path, capsys):
    out = tmp_path / "cli.gif"
    status = main(["animate", str(SCENARIO), "--out", str(out), "--days", "0.5", "--fps", "4"])
    assert status == 0
    assert "animation written to" in capsys.readouterr().out
    with Image.open(out) as im:
        assert im.n_frames == 6  # default 12 frames a day
        assert im.info["duration"] == 250


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="ffmpeg is not installed: MP4 output cannot be tested")
def test_mp4_with_ffmpeg(tmp_path):
    out = tmp_path / "run.mp4"
    animate(SCENARIO, out, days=0.5, seed=1, frames_per_day=8, progress=False)
    assert out.stat().st_size > 1000
    assert out.read_bytes()[4:8] == b"ftyp"


def test_mp4_without_ffmpeg_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    status = main(["animate", str(SCENARIO), "--out", str(tmp_path / "run.mp4"), "--days", "0.2"])
    assert status == 2
    err = capsys.readouterr().err
    assert "ffmpeg" in err and ".gif" in err


@pytest.mark.parametrize(
    ("compare", "needle"),
    [
        ("patrols.count=8", "missing the policy name"),
        ("towers:", "no key=value pairs"),
        ("towers: patrols.count", "'patrols.count' is not key=value"),
    ],
)
def test_bad_compare_exits_2(tmp_path, capsys, compare, needle):
    status = main(["animate", str(SCENARIO), "--out", str(tmp_path / "x.gif"), "--compare", compare])
    assert status == 2
    err = capsys.readouterr().err
    assert needle in err and "name: key=value" in err


def test_bad_extension_and_bad_override_exit_2(tmp_path, capsys):
    assert main(["animate", str(SCENARIO), "--out", str(tmp_path / "x.avi")]) == 2
    assert "'.avi' is not supported; use .gif or .mp4" in capsys.readouterr().err
    assert main(["animate", str(SCENARIO), "--out", str(tmp_path / "x.gif"), "--set", "patrols.count=-3"]) == 2
    assert "patrols.count" in capsys.readouterr().err
    assert not (tmp_path / "x.gif").exists()


def test_compare_keeps_commas_inside_values():
    name, pairs = parse_compare("sector: patrols.sector=[0, 10], patrols.count=6")
    assert name == "sector"
    assert pairs == ["patrols.sector=[0, 10]", "patrols.count=6"]


def test_clock():
    assert clock_text(0.0) == "Day 1, 00:00"
    assert clock_text(14.5) == "Day 1, 14:30"
    assert clock_text(24.0) == "Day 1, 24:00"
    assert clock_text(50.0) == "Day 3, 02:00"


def test_shared_legend_lists_what_only_the_compared_policy_shows():
    from sim.model import BorderModel
    from sim.viz.animate import Panel, RunTracker, build_figure

    base = BorderModel(SCENARIO, seed=3)
    towers = BorderModel(SCENARIO, seed=3, overrides={"surveillance.extra_towers.count": 2})
    panels = [Panel("baseline", base, RunTracker()), Panel("towers", towers, RunTracker())]
    fig = build_figure(panels, animated=False)
    labels = [t.get_text() for t in fig.axes[-1].get_legend().get_texts()]
    assert "extra tower (auto-sited)" in labels
    assert len(labels) == len(set(labels)), "each feature once"


def test_width_sets_the_frame_width_and_the_height_follows(tmp_path, single_gif):
    out = tmp_path / "wide.gif"
    assert main(["animate", str(SCENARIO), "--out", str(out), "--days", "0.25", "--width", "1280"]) == 0
    with Image.open(out) as im, Image.open(single_gif) as default:
        assert im.size[0] == 1280
        assert im.size[1] == pytest.approx(default.size[1] * 1280 / default.size[0], rel=0.005)  # the same layout


@pytest.mark.parametrize("width", ["100", "5000", "0"])
def test_width_out_of_range_exits_2_naming_the_range(tmp_path, capsys, width):
    assert main(["animate", str(SCENARIO), "--out", str(tmp_path / "x.gif"), "--width", width]) == 2
    err = capsys.readouterr().err
    assert "--width" in err and "320 to 3840" in err and "Traceback" not in err
    assert not (tmp_path / "x.gif").exists()


def test_width_not_a_number_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["animate", str(SCENARIO), "--out", str(tmp_path / "x.gif"), "--width", "wide"])
    assert stop.value.code == 2
    assert "--width" in capsys.readouterr().err
