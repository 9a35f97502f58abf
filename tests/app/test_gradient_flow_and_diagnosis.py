"""The gradient-flow view and the diagnosis panel, fed real snapshots from a training
session, and inside the real main window."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from nnviz.app.diagnosis_panel import DiagnosisPanel
from nnviz.app.plots.gradient_flow import (
    LAYER_COLORS,
    MIN_DECADE_SPACING,
    MIN_TICK_SPACING,
    GradientFlowView,
    decade_ticks,
    layer_color,
    layer_ticks,
    log_floor,
)
from nnviz.data import DataConfig, prepare
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec
from nnviz.live.session import TrainingSession

TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def spiral():
    return prepare(DataConfig(kind="points", name="spiral", n_samples=400, noise=0.1))


def session_for(data, hidden, steps=3, **layer_options) -> TrainingSession:
    layers = [LayerSpec(units=8, activation=a, **layer_options) for a in hidden]
    output = LayerSpec(units=1, activation="sigmoid")
    spec = NetworkSpec(input_dim=2, layers=(*layers, output), optimizer=OptimizerSpec("adam", 0.01))
    session = TrainingSession(spec, data)
    for _ in range(steps):
        session.step()
    return session


def test_thirteen_layers_get_thirteen_distinct_colours():
    colours = {layer_color(i).name() for i in range(13)}
    assert len(colours) == 13 == len(LAYER_COLORS)


@pytest.mark.parametrize("count", [1, 2, 5, 8, 13])
@pytest.mark.parametrize("pixels", [60, 120, 250, 600])
def test_layer_ticks_never_crowd_and_always_name_the_output(count, pixels):
    ticks = layer_ticks(count, pixels)
    assert ticks[-1] == (count, "out")
    positions = [p for p, _ in ticks]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    if len(ticks) > 1:
        assert pixels / len(ticks) >= MIN_TICK_SPACING
    assert len(ticks) == count or pixels / min(count, len(ticks) + 1) < MIN_TICK_SPACING * 2


@pytest.mark.parametrize("pixels", [30, 80, 300])
def test_decade_ticks_are_whole_powers_of_ten_that_never_crowd(pixels):
    ticks = decade_ticks(-12.3, 1.2, pixels)
    exponents = [k for k, _ in ticks]
    assert all(-13 <= k <= 2 for k in exponents)
    gaps = np.diff(exponents)
    assert len(set(gaps)) <= 1 and pixels / (1.2 + 12.3) * gaps.min() >= MIN_DECADE_SPACING
    assert dict(ticks).get(-6, "10⁻⁶") == "10⁻⁶" and dict(ticks).get(0, "1") == "1"


def test_zeros_sit_a_decade_below_the_smallest_value():
    assert log_floor(np.array([0.0, 1e-5, 3.0])) == pytest.approx(1e-6)
    assert log_floor(np.zeros(3)) == 1e-12


def test_bars_show_each_layer_norm_on_a_log_axis(qtbot, spiral):
    session = session_for(spiral, ["sigmoid"] * 7)
    snapshot = session.snapshot()
    view = GradientFlowView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    view.show_snapshot(snapshot)
    norms = np.array([s.grad_norm for s in snapshot.layer_stats])
    opts = view.norm_bars.opts
    np.testing.assert_allclose(opts["x"], np.arange(1, 9) - 0.2)
    np.testing.assert_allclose(opts["y0"] + opts["height"], np.log10(norms))
    brushes = [b.color().name() for b in opts["brushes"]]
    assert brushes == list(LAYER_COLORS[:8])
    ratios = np.array([s.update_ratio for s in snapshot.layer_stats])
    ratio_opts = view.ratio_bars.opts  # beside each norm bar, pale
    np.testing.assert_allclose(ratio_opts["x"], np.arange(1, 9) + 0.2)
    np.testing.assert_allclose(ratio_opts["y0"] + ratio_opts["height"], np.log10(ratios))
    assert {b.color().alpha() for b in ratio_opts["brushes"]} == {90}
    # the history: one curve per layer, holding the snapshot's norms
    assert len(view.history_curves) == 8
    curve = view.history_curves[0]  # getData() would give log10 values
    np.testing.assert_allclose(curve.xData, snapshot.grad_norm_steps)
    np.testing.assert_allclose(curve.yData, snapshot.grad_norms[:, 0])
    # ticks name every layer when there is room
    labels = [label for _, label in view.bar_plot.getAxis("bottom")._tickLevels[0]]
    assert labels[-1] == "out"
    assert not view.floor_lines[0].isVisible()


def test_the_history_keeps_its_range_while_training_goes_on_inside_it(qtbot, spiral):
    """A range change lays the axes' ticks out again (the view's costliest part): the
    history's range moves only when the curves leave it, and always shows them."""
    session = session_for(spiral, ["tanh", "tanh"], steps=200)
    view = GradientFlowView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.show()
    ranges = []
    for _ in range(6):
        view.show_snapshot(session.snapshot())
        ranges.append(view.history_plot.vb.viewRange())
        for _ in range(20):
            session.step()
    x_ranges = [tuple(r[0]) for r in ranges]
    assert len(set(x_ranges)) == 1  # 200 to 300 steps: inside the first range
    (x0, x1), (y0, y1) = ranges[-1]
    steps = session.snapshot().grad_norm_steps
    assert x0 <= 0 and x1 >= steps[-1] - 20
    logs = np.log10(view.history_curves[0].yData)
    assert y0 <= logs.min() and logs.max() <= y1
    for _ in range(400):
        session.step()
    view.show_snapshot(session.snapshot())
    assert view.history_plot.vb.viewRange()[0][1] >= session.step_count  # grown to follow


def test_exact_zeros_are_drawn_on_a_marked_floor(qtbot, spiral):
    session = session_for(spiral, ["sigmoid", "sigmoid"], steps=1, initializer="zeros")
    snapshot = session.snapshot()
    norms = np.array([s.grad_norm for s in snapshot.layer_stats])
    assert norms[0] == 0.0 and norms[-1] > 0.0
    view = GradientFlowView()
    qtbot.addWidget(view)
    view.show_snapshot(snapshot)
    ratios = np.array([s.update_ratio for s in snapshot.layer_stats])
    floor = math.log10(log_floor(np.concatenate([norms, ratios])))
    opts = view.norm_bars.opts
    assert opts["height"][0] == 0.0 and opts["y0"] == pytest.approx(floor)
    marks_x, marks_y = view.bar_zeros.getData()
    zero_x = [*(np.flatnonzero(norms == 0) + 0.8), *(np.flatnonzero(ratios == 0) + 1.2)]
    np.testing.assert_allclose(marks_x, zero_x)
    np.testing.assert_allclose(marks_y, floor)
    assert view.floor_lines[0].isVisible()
    # in the history too: the zero layer's curve lies on the floor, marked
    y = view.history_curves[0].yData
    assert len(y) == 1 and y[0] == pytest.approx(log_floor(snapshot.grad_norms))
    hx, _ = view.history_zeros.getData()
    assert len(hx) >= 1 and view.floor_lines[1].isVisible()
    # a healthy network: no zeros, no marks, no floor lines
    view.show_snapshot(session_for(spiral, ["tanh", "tanh"], steps=1).snapshot())
    assert len(view.bar_zeros.getData()[0]) == 0 and len(view.history_zeros.getData()[0]) == 0
    assert not view.floor_lines[0].isVisible() and not view.floor_lines[1].isVisible()


def test_diagnosis_panel_lists_findings_and_emits_a_summary(qtbot, spiral):
    panel = DiagnosisPanel()
    qtbot.addWidget(panel)
    summaries: list[str] = []
    panel.summaryChanged.connect(summaries.append)
    sick = session_for(spiral, ["sigmoid"] * 7).snapshot()
    panel.show_snapshot(sick)
    assert [f.rule for f in panel.findings] == ["vanishing"]
    body = panel.body.text()
    assert "<b>Vanishing gradients.</b> Layer 1&#x27;s gradient per weight" in body
    assert summaries == ["Diagnosis: vanishing gradients."]
    panel.show_snapshot(sick)  # unchanged findings: no new signal
    assert len(summaries) == 1
    well = session_for(spiral, ["tanh", "tanh"]).snapshot()
    panel.show_snapshot(well)
    assert panel.findings == () and "Healthy" in panel.heading.text()
    assert summaries[-1] == "Diagnosis: nothing unusual."


def test_main_window_diagnoses_an_8_layer_sigmoid_network(qtbot, make_window):
    window = make_window("spiral")
    spec = window.document.spec
    hidden = tuple(LayerSpec(units=8, activation="sigmoid") for _ in range(7))
    window.document.edit(spec.with_layers((*hidden, spec.layers[-1])), "deep sigmoid")
    window.diagnosis_dock.raise_()
    window.gradient_dock.raise_()
    qtbot.mouseClick(window.training_panel.buttons["step_batch"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: (
            window.diagnosis_panel.findings is not None
            and "vanishing" in {f.rule for f in window.diagnosis_panel.findings}
        ),
        timeout=TIMEOUT_MS,
    )
    assert "vanishing gradients" in window.status_diagnosis.text()
    qtbot.waitUntil(lambda: len(window.gradient_flow.history_curves) == 8, timeout=TIMEOUT_MS)
    # new data: training starts over, and so does the gradient history
    assert window.set_data_config(DataConfig(kind="points", name="xor", n_samples=200))
    assert all(
        curve.yData is None or not len(curve.yData) for curve in window.gradient_flow.history_curves
    )
    assert len(window.gradient_flow.norm_bars.opts["x"]) == 0
