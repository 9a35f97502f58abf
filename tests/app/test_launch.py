"""The ``gui`` subcommand without any display says so in one line and exits 1."""

from __future__ import annotations

import os
import subprocess
import sys

from nnviz.app.launch import missing_display_message


def test_no_display_prints_one_line_and_exits_1():
    hidden = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    env = {k: v for k, v in os.environ.items() if k not in hidden}
    code = (
        "import argparse, sys; from nnviz.app import launch; "
        "sys.exit(launch.run(argparse.Namespace(dataset='spiral', data_dir=None)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no display" in lines[0]
    assert "xvfb-run" in lines[0] and "QT_QPA_PLATFORM=offscreen" in lines[0]
    assert "xcb" not in result.stderr


def test_any_display_variable_counts_as_a_display():
    assert missing_display_message({}) is not None
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        assert missing_display_message({name: ":0"}) is None


def test_smoke_test_flag_opens_a_project_trains_and_exits_0(tmp_path):
    from nnviz.data import prepare
    from nnviz.engine import Sequential
    from nnviz.io.project import Project, save_project
    from nnviz.live import presets

    config = presets.data_config("circle")
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    weights = tuple(Sequential.from_config(spec).get_weights())
    save_project(tmp_path / "circle.nnviz", Project(spec, weights, data=config.to_dict()))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "nnviz", str(tmp_path / "circle.nnviz"), "--smoke-test", "5"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("nnviz smoke test: circle.nnviz — nnviz:")
