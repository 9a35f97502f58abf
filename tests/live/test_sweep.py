"""Sweeps: value lists, cells equal to separate trainings, divergence, the budget, cancel,
CSV and JSON, and a cell put back into the workspace with exact undo."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace

import numpy as np
import pytest

from nnviz.data import DataConfig, prepare
from nnviz.engine import Sequential
from nnviz.engine.spec import OptimizerSpec
from nnviz.live import presets
from nnviz.live.session import TrainingSession
from nnviz.live.sweep import (
    MAX_VALUES,
    METRICS,
    Sweep,
    SweepError,
    SweepJob,
    SweepRun,
    parse_values,
    write_sweep_csv,
)
from nnviz.live.workspace import Edit, Workspace


@pytest.fixture(scope="module")
def setup():
    config = DataConfig(kind="points", name="moons", n_samples=120, noise=0.1)
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    return spec, data, TrainingSession(spec, data).initial_weights


def _run(setup, texts, epochs=3, **kwargs):
    spec, data, start = setup
    return SweepRun(Sweep.parse(texts, epochs), spec, data, start, **kwargs)


# -- value lists ---------------------------------------------------------------------------
def test_values_are_read_from_lists_and_log_spaced_ranges():
    assert parse_values("lr", "0.001, 0.01, 0.1") == (0.001, 0.01, 0.1)
    assert parse_values("learning_rate", "1e-4..1e-1 x4") == (1e-4, 1e-3, 1e-2, 1e-1)
    assert parse_values("batch", "1 16 full") == (1, 16, None)
    assert parse_values("units", "2..16 x4") == (2, 4, 8, 16)
    assert parse_values("l2", "0; 0.001") == (0.0, 0.001)
    assert parse_values("optimizer", "SGD, adam") == ("sgd", "adam")
    assert parse_values("initializer", "zeros, random_normal:10") == (
        ("zeros", None),
        ("random_normal", 10.0),
    )


@pytest.mark.parametrize(
    ("key", "text", "says"),
    [
        ("lr", "0.001, abc", "'abc' is not a valid learning rate"),
        ("lr", "0.001, -1", "'-1' is not a valid learning rate"),
        ("lr", "  ", "no learning rate values given"),
        ("lr", "0.1, 0.10", "given twice"),
        ("batch", "16, 0", "'0' is not a valid batch size"),
        ("batch", "2.5", "whole number"),
        ("dropout", "1", "'1' is not a valid dropout rate"),
        ("optimizer", "adam, nadam", "'nadam' is not a valid optimizer"),
        ("optimizer", "sgd..adam x3", "has no range"),
        ("l2", "0..0.1 x3", "two positive ends"),
        ("lr", "0.1..0.001 x3", "the smaller first"),
        ("lr", "1e-4..1 x99", f"from 2 to {MAX_VALUES} values"),
        ("lr", "1e-4..1", "how many values the range takes"),
        ("lr", ",".join(str(i / 100) for i in range(1, 15)), f"at most {MAX_VALUES}"),
        ("momentum", "0.9", "cannot sweep 'momentum'"),
    ],
)
def test_bad_values_say_what_is_wrong_and_show_an_example(key, text, says):
    with pytest.raises(SweepError) as error:
        parse_values(key, text)
    assert says in str(error.value)
    if "cannot sweep" not in says:
        assert "like:" in str(error.value) or "leave some out" in str(error.value)


def test_a_sweep_needs_one_or_two_different_settings_and_epochs():
    with pytest.raises(SweepError, match="chosen twice"):
        Sweep.parse({"lr": "0.1", "learning_rate": "0.01"}, 3)
    with pytest.raises(SweepError, match="one or two settings"):
        Sweep.parse({"lr": "0.1", "batch": "1", "l2": "0"}, 3)
    with pytest.raises(SweepError, match="epochs"):
        Sweep.parse({"lr": "0.1"}, 0)


# -- training ------------------------------------------------------------------------------
def test_each_cell_equals_a_separate_training_from_the_same_weights_bit_for_bit(setup):
    spec, data, start = setup
    result = _run(setup, {"lr": "0.01, 0.1", "batch": "8, full"}, epochs=3).run()
    assert result.complete and result.sweep.shape == (2, 2)
    for cell in result.cells:
        for got, want in zip(cell.initial_weights, start, strict=True):
            np.testing.assert_array_equal(got, want)  # the same start for every cell
        model = Sequential.from_config(cell.spec)
        model.set_weights(start)
        history = model.fit(
            data.x_train,
            data.y_train,
            epochs=3,
            batch_size=cell.spec.batch_size,
            validation_data=(data.x_val, data.y_val),
            seed=spec.seed,
        )
        for got, want in zip(cell.final_weights, model.get_weights(), strict=True):
            np.testing.assert_array_equal(got, want)
        assert cell.train_loss == model.evaluate(data.x_train, data.y_train)["loss"]
        assert cell.val_accuracy == model.evaluate(data.x_val, data.y_val)["accuracy"]
        assert list(cell.history["loss"]) == history["loss"]
        assert list(cell.history["val_loss"]) == history["val_loss"]
    grid = result.metric_grid("train_loss")
    assert grid[1, 0] == result.cell(1, 0).train_loss
    assert result.cell(1, 0).spec.optimizer.learning_rate == 0.1
    assert result.cell(1, 0).spec.batch_size == 8


def test_cells_of_another_shape_keep_the_start_weights_that_fit(setup):
    _spec, _data, start = setup
    result = _run(setup, {"units": "4, 12"}, epochs=1).run()
    small, large = result.cell(0, 0), result.cell(1, 0)
    assert small.initial_weights[0].shape == (2, 4) and large.initial_weights[0].shape == (2, 12)
    np.testing.assert_array_equal(small.initial_weights[0], start[0][:, :4])
    np.testing.assert_array_equal(large.initial_weights[0][:, :8], start[0])
    zeros = _run(setup, {"initializer": "zeros, glorot_uniform"}, epochs=1).run()
    assert not np.any(zeros.cell(0, 0).initial_weights[0])
    np.testing.assert_array_equal(zeros.cell(1, 0).initial_weights[0], start[0])


def test_a_diverging_cell_is_marked_with_the_reason_and_keeps_finite_weights(setup):
    result = _run(setup, {"optimizer": "sgd", "lr": "0.1, 500"}, epochs=2).run()
    calm, wild = result.cell(0, 0), result.cell(0, 1)
    assert not calm.diverged and calm.reason is None
    assert wild.diverged and "diverged" in wild.reason and "learning rate" in wild.reason
    assert all(np.all(np.isfinite(w)) for w in wild.final_weights)
    assert result.diverged_grid().tolist() == [[False, True]]
    assert result.best("train_loss") is calm


def test_a_grid_over_the_budget_is_refused_before_training(setup):
    spec, data, start = setup
    sweep = Sweep.parse({"lr": "0.1, 0.01", "units": "8, 64"}, 5)
    needed = sweep.kept_bytes(spec, data)
    with pytest.raises(SweepError, match=r"more than the 0 MB a sweep may keep: use fewer"):
        SweepRun(sweep, spec, data, start, budget_bytes=needed - 1)
    SweepRun(sweep, spec, data, start, budget_bytes=needed)


def test_each_setting_changes_the_network_as_its_name_says(setup):
    spec, _data, _start = setup

    def cell(key, text):
        sweep = Sweep.parse({key: text}, 1)
        return sweep.cell_spec(spec, next(sweep.cells())[1])

    dropout = cell("dropout", "0.3")
    assert [layer.kind for layer in dropout.layers] == [
        "dense",
        "dropout",
        "dense",
        "dropout",
        "dense",
    ]
    assert [layer.rate for layer in dropout.layers if layer.kind == "dropout"] == [0.3, 0.3]
    assert all(layer.l2 == 0.01 for layer in cell("l2", "0.01").dense_layers)
    relu = cell("activation", "relu").dense_layers
    assert [layer.activation for layer in relu] == ["relu", "relu", "sigmoid"]
    assert [layer.units for layer in cell("units", "3").dense_layers] == [3, 3, 1]
    he = cell("initializer", "random_normal:0.5").dense_layers
    assert all((d.initializer, d.init_scale) == ("random_normal", 0.5) for d in he)
    momentum = replace(spec, optimizer=OptimizerSpec("sgd", 0.1, {"momentum": 0.9}))
    sweep = Sweep.parse({"optimizer": "rmsprop, adam"}, 1)
    cells = [sweep.cell_spec(momentum, values) for _index, values in sweep.cells()]
    assert cells[0].optimizer.options == {"momentum": 0.9}  # rmsprop takes momentum too
    assert cells[1].optimizer.options == {} and cells[1].optimizer.learning_rate == 0.1


def test_a_setting_the_network_does_not_have_is_refused(setup):
    spec, data, _start = setup
    no_hidden = spec.with_layers(spec.layers[-1:])
    weights = Sequential.from_config(no_hidden).get_weights()
    with pytest.raises(SweepError, match=r"would train the same network.*add a hidden layer"):
        SweepRun(Sweep.parse({"units": "2, 4"}, 1), no_hidden, data, weights)


def test_the_job_reports_progress_and_a_cancel_keeps_the_finished_cells(setup):
    spec, data, _start = setup
    session = TrainingSession(spec, data)
    job = SweepJob(Sweep.parse({"lr": "0.01, 0.1", "batch": "4, 8"}, 2))
    assert job.exclusive
    while not job.result().cells_done:
        assert not job.advance(session, 0.001)
    report = job.report(cancelled=True)
    progress = report.result
    assert report.cancelled and 0 < report.progress < 1
    assert progress.cells_done == len(progress.result.cells) >= 1
    assert progress.cells_total == 4 and progress.data is data
    assert not math.isnan(progress.result.metric_grid("train_loss")[0, 0])
    assert session.step_count == 0  # the sweep never trains the live session


# -- files -----------------------------------------------------------------------------------
def test_results_as_csv_and_json_at_full_precision(setup, tmp_path):
    result = _run(setup, {"lr": "0.01, 0.1", "batch": "8, full"}, epochs=1).run()
    path = write_sweep_csv(tmp_path / "sweep.csv", result)
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["lr", "batch", "epochs", *METRICS, "diverged", "reason"]
    assert [(r["lr"], r["batch"]) for r in rows] == [
        ("0.01", "8"),
        ("0.01", "full"),
        ("0.1", "8"),
        ("0.1", "full"),
    ]
    for row, cell in zip(rows, result.cells, strict=True):
        assert float(row["val_loss"]) == cell.val_loss and row["diverged"] == "0"
    loaded = json.loads(json.dumps(result.to_json()))
    assert loaded["settings"][1] == {
        "name": "batch",
        "label": "batch size",
        "values": ["8", "full"],
    }
    assert loaded["cells"][3]["settings"] == {"lr": "0.1", "batch": "full"}
    assert loaded["cells"][3]["train_loss"] == result.cell(1, 1).train_loss


# -- back into the workspace -------------------------------------------------------------
@pytest.mark.parametrize("patience", [0, 3])
def test_a_cell_becomes_the_live_training_as_one_exactly_undone_edit(setup, patience):
    spec, data, _start = setup
    session = TrainingSession(spec, data)
    session.set_patience(patience)
    for _ in range(5):
        session.step()
    workspace = Workspace(session)
    before = session.capture(with_series=True)
    result = _run(setup, {"units": "4, 12"}, epochs=2).run()
    cell = result.cell(1, 0)
    workspace.apply(1, Edit(spec=cell.spec, state=cell.session_state(data)))
    assert session.spec == cell.spec and session.epoch == 2
    for got, want in zip(session.model.get_weights(), cell.final_weights, strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(session.initial_weights, cell.initial_weights, strict=True):
        np.testing.assert_array_equal(got, want)
    epochs, losses = session.series["loss"].view()
    assert list(epochs) == [1, 2] and list(losses) == list(cell.history["loss"])
    assert (session.early_stopping is not None) == (patience > 0)
    session.step()  # trains on from the cell
    assert "the 1 training steps since then are undone" in workspace.undo(1)
    assert session.spec == spec and session.step_count == 5
    for got, want in zip(
        session.trainer.get_state().arrays.values(), before.training.arrays.values(), strict=True
    ):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(session.initial_weights, before.initial_weights, strict=True):
        np.testing.assert_array_equal(got, want)
    assert session.series["step_loss"].count == 5
    workspace.redo(1)
    np.testing.assert_array_equal(session.model.get_weights()[0], cell.final_weights[0])
