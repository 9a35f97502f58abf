"""File → Export, Export as code, the views' right-click exports, the training movie and
Help → About, driven on the real window; every file written is opened and checked."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QMenu, QMessageBox

from nnviz.app.about import nnviz_version
from nnviz.app.main_window import MainWindow
from nnviz.live.movie import MovieSettings

TIMEOUT_MS = 10_000
SVG = "{http://www.w3.org/2000/svg}"


def rows(path):
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    return table[0], table[1:]


def trained(qtbot, window: MainWindow, epochs: int = 2) -> None:
    for _ in range(epochs):
        before = window.controller.latest.epoch if window.controller.latest else 0
        window.controller.step_epoch()
        qtbot.waitUntil(
            lambda b=before: (
                window.controller.latest is not None
                and window.controller.latest.epoch > b
                and not window.controller.latest.playing
            ),
            timeout=TIMEOUT_MS,
        )


def titles(menu: QMenu) -> list[str]:
    return [action.text() for action in menu.actions()]


def test_file_menu_offers_export_and_code_above_quit(make_window):
    window = make_window()
    names = titles(window.file_menu)
    assert names.index("&Export") < names.index("Quit")
    assert names.index("Export as &code") < names.index("Quit")
    export_menu = window.exports.menu
    assert "Network diagram" in titles(export_menu)
    assert {"Loss and accuracy", "Decision boundary", "Confusion matrix"} <= set(
        titles(export_menu)
    )
    assert titles(window.exports.diagram_menu) == ["SVG (vector)…", "PNG 1x…", "PNG 2x…", "PNG 4x…"]
    assert titles(window.exports.code_menu) == ["PyTorch script…", "Keras 3 script…"]


def test_views_right_click_menu_is_ours_not_pyqtgraphs(make_window):
    window = make_window()
    scene = window.curves.graphics.scene()
    (context,) = scene.contextMenu
    assert context is window.exports.context_menus["Loss and accuracy"]
    assert context.title() == "Export"
    assert context.actions() == window.exports.view_menus["Loss and accuracy"].actions()
    # what a right-click on the loss plot shows: pyqtgraph's menu, then our Export
    view_box = window.curves.loss_plot.getViewBox()

    class RightClick:
        acceptedItem = view_box

    menu = scene.addParentContextMenus(view_box, view_box.getMenu(None), RightClick())
    assert titles(menu)[-1] == "Export" and "Export..." not in titles(menu)
    assert titles(context) == [
        "PNG 1x…",
        "PNG 2x…",
        "PNG 4x…",
        "SVG…",
        "Data (CSV)…",
    ]


def test_diagram_as_svg_and_png_at_2x(qtbot, make_window, tmp_path):
    window = make_window()
    trained(qtbot, window, 1)
    svg = window.exports.export_diagram(tmp_path / "net.svg")
    root = ET.parse(svg).getroot()
    assert root.tag == f"{SVG}svg"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Hidden 1" in "".join(t or "" for t in texts)
    png = window.exports.export_diagram(tmp_path / "net.png", scale=2)
    rect = window.diagram.diagram.network_rect()
    with Image.open(png) as image:
        assert image.size == (round(np.ceil(rect.width()) * 2), round(np.ceil(rect.height()) * 2))
        pixels = np.asarray(image.convert("RGB"))
    assert (pixels < 100).any() and (pixels > 250).any()  # ink on white
    # the editing aids are back on screen afterwards
    assert all(item.isVisible() for item, _ in window.diagram.diagram.overlay)


def test_a_diagram_shown_in_a_dark_theme_is_exported_in_light_colours(qtbot, make_window, tmp_path):
    window = make_window()
    trained(qtbot, window, 1)
    view = window.diagram
    dark = QPalette(view.palette())
    for role, colour in (
        (QPalette.ColorRole.Text, "#eeeeee"),
        (QPalette.ColorRole.Base, "#111111"),
    ):
        dark.setColor(role, QColor(colour))
    view.setPalette(dark)  # as a dark desktop theme does
    svg = window.exports.export_diagram(tmp_path / "net.svg")
    fills = {text.get("fill") for text in ET.parse(svg).getroot().iter(f"{SVG}text")}
    assert fills and all(QColor(fill).lightness() < 100 for fill in fills)  # dark ink
    neurons = view.diagram.neurons.values()
    assert {n._circle.pen().color().name() for n in neurons} == {"#eeeeee"}  # screen: dark


def test_a_plot_as_png_svg_and_its_data_as_csv(qtbot, make_window, tmp_path):
    window = make_window()
    trained(qtbot, window, 3)
    window.curves.show_snapshot(window.controller.latest)
    png = window.exports.export_view(window.curves, tmp_path / "curves.png", 2)
    with Image.open(png) as image:
        assert image.width == 2 * window.curves.graphics.width()
    svg = window.exports.export_view(window.curves, tmp_path / "curves.svg")
    assert ET.parse(svg).getroot().tag == f"{SVG}svg"
    window.exports.export_view(window.confusion, tmp_path / "confusion.png")
    with Image.open(tmp_path / "confusion.png") as image:
        assert image.size == (window.confusion.width(), window.confusion.height())
    from nnviz.app.export_actions import plot_columns
    from nnviz.io.export import write_columns_csv

    columns = plot_columns(window.curves)
    header, table = rows(write_columns_csv(tmp_path / "curves.csv", columns))
    assert "Loss train x" in header and "Accuracy validation y" in header
    loss = [
        float(r[header.index("Loss train y")]) for r in table if r[header.index("Loss train y")]
    ]
    history = window.controller.latest.history["loss"]
    np.testing.assert_allclose(loss, history[: len(loss)])


def test_history_and_confusion_csv_hold_the_snapshots_values(qtbot, make_window, tmp_path):
    window = make_window()
    trained(qtbot, window, 2)
    snapshot = window.controller.latest
    header, table = rows(window.exports.export_epochs(tmp_path / "epochs.csv"))
    assert header == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert len(table) == snapshot.epoch
    np.testing.assert_array_equal([float(r[1]) for r in table], snapshot.history["loss"])
    header, table = rows(window.exports.export_steps(tmp_path / "steps.csv"))
    assert header == ["step", "loss", "smoothed_loss"]
    np.testing.assert_array_equal([float(r[1]) for r in table], snapshot.step_losses)
    window.confusion.show_snapshot(snapshot)
    header, table = rows(window.exports.export_confusion(tmp_path / "confusion.csv"))
    counts = np.array([[int(v) for v in r[1:]] for r in table])
    np.testing.assert_array_equal(counts, snapshot.confusion)
    assert counts.sum() == len(window.data.y_test)


def test_code_export_writes_a_script_of_the_current_weights(qtbot, make_window, tmp_path):
    window = make_window()
    trained(qtbot, window, 1)
    script = window.exports.export_code("pytorch", tmp_path / "spiral_net.py")
    source = script.read_text()
    compile(source, str(script), "exec")
    assert "def build_model():" in source
    with np.load(tmp_path / "spiral_net_weights.npz") as f:
        np.testing.assert_array_equal(f["W1"], window.controller.latest.weights[0][0])
    assert window.exports.export_code("keras", tmp_path / "bad-name.py") is None
    assert "Could not export" in window.banner.label.text()


def test_movie_records_frames_while_training_and_saves_a_gif(qtbot, make_window, tmp_path):
    window = make_window()
    movie = window.exports.movie
    assert not movie.record_action.isChecked()  # off by default
    trained(qtbot, window, 1)
    assert movie.frame_count == 0
    movie.record_action.trigger()
    trained(qtbot, window, 3)
    frames = movie.frame_count
    assert frames >= 3
    assert movie.save(tmp_path / "training.gif") == frames
    with Image.open(tmp_path / "training.gif") as gif:
        assert gif.n_frames == frames
    movie.discard()
    assert movie.frame_count == 0


def test_movie_keeps_at_most_fps_times_length_frames(qtbot, make_window):
    window = make_window()
    movie = window.exports.movie
    movie.set_settings(MovieSettings(fps=2, length_s=2))
    movie.set_recording(True)
    qtbot.waitUntil(lambda: window.controller.latest is not None, timeout=TIMEOUT_MS)
    snapshot = window.controller.latest
    for step in range(1, 40):
        movie.on_snapshot(replace(snapshot, step=step))
    assert 2 <= movie.frame_count <= 4


def test_about_shows_the_installed_version(make_window):
    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in help_menu.actions() if a.text() == "About nnviz")
    about.trigger()
    box = window.findChild(QMessageBox, "aboutBox")
    assert box is not None
    assert nnviz_version() in box.text() and nnviz_version() != "unknown"
    box.close()


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_headless_export_cli_draws_the_diagram(qapp, tmp_path, suffix):
    from nnviz.cli import main
    from nnviz.data import prepare
    from nnviz.engine import Sequential
    from nnviz.io.project import Project, save_project
    from nnviz.live import presets

    config = presets.data_config("xor")
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    weights = tuple(Sequential.from_config(spec).get_weights())
    save_project(tmp_path / "p.nnviz", Project(spec, weights, data=config.to_dict()))
    out = tmp_path / f"net{suffix}"
    assert main(["export", str(tmp_path / "p.nnviz"), "--diagram", str(out), "--scale", "2"]) == 0
    if suffix == ".svg":
        assert ET.parse(out).getroot().tag == f"{SVG}svg"
    else:
        with Image.open(out) as image:
            assert image.width > 600


def test_right_click_on_the_diagram_background_offers_its_exports(make_window):
    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QContextMenuEvent
    from PySide6.QtWidgets import QApplication

    window = make_window()
    menu = window.exports.diagram_menu
    shown: list[bool] = []

    def on_show() -> None:
        shown.append(True)
        QTimer.singleShot(0, menu.close)

    menu.aboutToShow.connect(on_show)
    viewport = window.diagram.viewport()
    background = next(
        QPoint(x, y)
        for y in range(5, viewport.height(), 20)
        for x in range(5, viewport.width(), 20)
        if window.diagram.itemAt(QPoint(x, y)) is None
    )
    event = QContextMenuEvent(
        QContextMenuEvent.Reason.Mouse, background, viewport.mapToGlobal(background)
    )
    QApplication.sendEvent(viewport, event)
    assert shown == [True]


def test_a_name_typed_without_suffix_gets_the_formats(make_window, monkeypatch, tmp_path):
    window = make_window()
    monkeypatch.setattr(
        "nnviz.app.export_actions.QFileDialog.getSaveFileName",
        lambda *args: (str(tmp_path / "slide"), ""),
    )
    window.exports.diagram_menu.actions()[0].trigger()  # SVG (vector)…
    assert ET.parse(tmp_path / "slide.svg").getroot().tag == f"{SVG}svg"
    assert window.exports.last_path == tmp_path / "slide.svg"
