"""Runs: what differs between two trainings in words, the bounded log, recording on every
reset, restoring a run exactly (and its undo), and runs in project files."""

from __future__ import annotations

from dataclasses import replace

import h5py
import numpy as np
import pytest

from nnviz.data import DataConfig, prepare
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec
from nnviz.io.project import load_project, save_project
from nnviz.live.projects import project_from_session, session_from_project
from nnviz.live.runs import (
    RunCurves,
    RunLog,
    describe_difference,
    examples_seen,
    make_run,
    run_from_record,
    run_to_record,
    thumbnail_of,
)
from nnviz.live.session import TrainingSession, run_continuation
from nnviz.live.workspace import Edit, Workspace

SPIRAL = DataConfig(kind="points", name="spiral", n_samples=120, noise=0.1, seed=0)


def spec(**changes) -> NetworkSpec:
    base = NetworkSpec(
        layers=(
            LayerSpec(units=8, activation="tanh"),
            LayerSpec(units=8, activation="tanh"),
            LayerSpec(units=1, activation="sigmoid"),
        ),
        optimizer=OptimizerSpec("adam", 0.01),
        batch_size=16,
        seed=3,
    )
    return replace(base, **changes)


def session(batch_size: int | None = 16) -> TrainingSession:
    return TrainingSession(spec(batch_size=batch_size), prepare(SPIRAL))


def epochs(s: TrainingSession, n: int) -> None:
    target = s.epoch + n
    while s.epoch < target:
        s.step()


def assert_same_state(a, b) -> None:
    assert a.spec == b.spec
    assert sorted(a.arrays) == sorted(b.arrays)
    for key in a.arrays:
        assert np.array_equal(a.arrays[key], b.arrays[key]), key
    assert dict(a.values) == dict(b.values)


# -- difference texts ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("new", "text"),
    [
        ((spec(batch_size=1), SPIRAL), "batch 16 → 1"),
        ((spec(batch_size=None), SPIRAL), "batch 16 → full"),
        ((spec(optimizer=OptimizerSpec("sgd", 0.01)), SPIRAL), "adam → sgd"),
        ((spec(optimizer=OptimizerSpec("adam", 0.1)), SPIRAL), "lr 0.01 → 0.1"),
        (
            (
                spec(layers=(LayerSpec(units=16, activation="tanh"), LayerSpec(units=1))),
                SPIRAL,
            ),
            "layers 8 → 16",
        ),
        ((spec(), replace(SPIRAL, name="xor")), "data spiral → xor"),
        ((spec(), replace(SPIRAL, noise=0.3)), "noise 0.1 → 0.3"),
        ((spec(), SPIRAL), "same settings (new weights)"),
    ],
)
def test_difference_texts_name_what_changed(new, text):
    assert describe_difference((spec(), SPIRAL), new) == text


def test_difference_texts_for_layers_activations_regularization_and_many_changes():
    old = (spec(), SPIRAL)
    two_layers = spec().with_layer(1, units=4)
    assert describe_difference(old, (two_layers, SPIRAL)) == "layers 8 → 8,4"
    relu = spec().with_layer(0, activation="relu").with_layer(1, activation="relu")
    assert describe_difference(old, (relu, SPIRAL)) == "tanh → relu"
    l2 = spec().with_layer(0, l2=0.01).with_layer(1, l2=0.01).with_layer(2, l2=0.01)
    assert describe_difference(old, (l2, SPIRAL)) == "L2 0 → 0.01"
    dropout = spec().with_layers(
        (spec().layers[0], LayerSpec(kind="dropout", rate=0.25), *spec().layers[1:])
    )
    assert describe_difference(old, (dropout, SPIRAL)) == "dropout none → 0.25"
    he = spec().with_layer(0, initializer="he_normal")
    assert "init" in describe_difference(old, (he, SPIRAL))
    many = spec(batch_size=1, optimizer=OptimizerSpec("sgd", 0.1)).with_layer(0, units=3)
    assert (
        describe_difference(old, (many, SPIRAL))
        == "batch 16 → 1, adam → sgd, lr 0.01 → 0.1 +1 more"
    )
    assert describe_difference(None, old) == "first run"
    assert describe_difference(old, old, same_start=True) == "same settings (same start)"


def test_examples_seen_counts_a_short_last_batch():
    # 10 samples in batches of 4: 4, 8, 10 | 14, 18, 20
    assert examples_seen(np.arange(7), 4, 10).tolist() == [0, 4, 8, 10, 14, 18, 20]
    assert examples_seen(np.array([3]), None, 10).tolist() == [30]


def test_thumbnail_is_32_by_32_probabilities_or_classes():
    grid = np.linspace(0, 1, 96 * 96, dtype=np.float32).reshape(96, 96)
    thumb = thumbnail_of(grid)
    assert thumb.shape == (32, 32) and thumb.dtype == np.uint8
    assert thumb[0, 0] == 0 and thumb[-1, -1] == 255
    classes = np.zeros((96, 96, 3), np.float32)
    classes[:, 48:, 2] = 1
    assert set(np.unique(thumbnail_of(classes))) == {0, 2}


# -- the log ------------------------------------------------------------------------------
def fake_run(s: TrainingSession, name: str = "", pinned: bool = False):
    curves = RunCurves({}, {}, 1, 1)
    state = s.trainer.get_state()
    return make_run(
        name=name,
        difference="",
        data_config=SPIRAL,
        state=state,
        initial_weights=s.initial_weights,
        curves=curves,
        pinned=pinned,
    )


def test_the_log_keeps_at_most_max_runs_dropping_the_oldest_unpinned_with_a_message():
    s = session()
    log = RunLog(max_runs=3)
    log.add(fake_run(s, pinned=True))
    for _ in range(3):
        log.add(fake_run(s))
    assert [run.name for run in log.runs] == ["Run 1", "Run 3", "Run 4"]
    (message,) = log.take_messages()
    assert "'Run 2'" in message and "at most 3 runs" in message
    assert log.take_messages() == []


def test_the_log_bounds_the_bytes_of_weights():
    s = session()
    one = fake_run(s).nbytes
    log = RunLog(max_bytes=int(2.5 * one))
    for _ in range(5):
        log.add(fake_run(s))
    assert len(log) == 2 and log.nbytes <= 2.5 * one


def test_rename_pin_remove_and_insert_make_new_tuples():
    s = session()
    log = RunLog()
    log.add(fake_run(s))
    log.add(fake_run(s))
    first = log.runs
    log.rename(log.runs[0].run_id, "  batch   one ")
    assert log.runs is not first and log.runs[0].name == "batch one"
    with pytest.raises(ValueError, match="needs a name"):
        log.rename(log.runs[0].run_id, "   ")
    log.set_pinned(log.runs[1].run_id, True)
    assert log.runs[1].pinned
    index, run = log.remove(log.runs[0].run_id)
    assert (index, len(log)) == (0, 1)
    log.insert(index, run)
    assert log.runs[0] is run


# -- recording ----------------------------------------------------------------------------
def test_a_reset_keeps_the_training_as_a_run_with_its_numbers():
    s = session()
    epochs(s, 3)
    final = s.model.get_weights()
    losses = s.series["loss"].view()[1].copy()
    s.reset()
    (run,) = s.runs.runs
    assert (run.name, run.difference, run.epochs) == ("Run 1", "first run", 3)
    assert run.steps == 3 * 5  # 72 training samples in batches of 16
    assert run.final["loss"] == losses[-1]
    assert np.isfinite(run.final["val_accuracy"])
    for got, expected in zip(run.final_weights, final, strict=True):
        assert np.array_equal(got, expected)
    assert run.thumbnail is not None and run.thumbnail.shape == (32, 32)
    assert not run.curves.values["loss"].flags.writeable
    assert run.curves.x("loss", "steps").tolist() == [5.0, 10.0, 15.0]
    assert run.curves.x("loss", "examples").tolist() == [72.0, 144.0, 216.0]


def test_no_run_without_a_step_and_none_twice_for_the_same_training():
    s = session()
    s.reset()
    assert len(s.runs) == 0
    s.step()
    assert s.keep_run() is not None
    s.reset(same_initial=True)  # nothing trained since it was kept
    assert len(s.runs) == 1
    assert s.keep_run() is None
    assert "Nothing new to keep" in s.runs.take_messages()[0]


def test_each_run_says_what_differs_from_the_one_before():
    s = session()
    workspace = Workspace(s)
    s.step()
    s.reset()
    s.step()
    s.reset(same_initial=True)
    workspace.apply(1, Edit(spec=spec(batch_size=1)))
    s.step()
    s.reset()
    data = prepare(replace(SPIRAL, name="xor"))
    s.step()
    workspace.apply(2, Edit(spec=spec(batch_size=1), data=data))
    s.step()
    s.reset()
    assert [run.difference for run in s.runs.runs] == [
        "first run",
        "same settings (new weights)",
        "batch 16 → 1",
        "same settings (new weights)",
        "data spiral → xor",
    ]


def test_restoring_a_run_is_exact_and_its_undo_too():
    s = session()
    workspace = Workspace(s)
    epochs(s, 2)
    s.reset()
    (run,) = s.runs.runs
    workspace.apply(1, Edit(spec=spec(batch_size=1)))
    epochs(s, 1)
    before = s.capture().training
    before_initial = [w.copy() for w in s.initial_weights]
    messages = workspace.apply(2, Edit(spec=run.spec, state=run_continuation(run, s.data)))
    assert "goes on from epoch 2" in messages[0]
    assert len(s.runs) == 2  # the training it replaced is kept too
    assert_same_state(s.capture().training, run.state)
    assert s.spec.batch_size == 16
    assert np.array_equal(s.series["loss"].view()[1], run.curves.values["loss"])
    for got, expected in zip(s.initial_weights, run.initial_weights, strict=True):
        assert np.array_equal(got, expected)
    workspace.undo(2)
    assert_same_state(s.capture().training, before)
    for got, expected in zip(s.initial_weights, before_initial, strict=True):
        assert np.array_equal(got, expected)
    workspace.redo(2)
    assert_same_state(s.capture().training, run.state)
    assert np.array_equal(s.series["loss"].view()[1], run.curves.values["loss"])


def test_a_restored_run_trains_on_bit_identically():
    s = session()
    epochs(s, 2)
    straight = session()
    epochs(straight, 4)
    s.reset()
    s.continue_from(run_continuation(s.runs.runs[0], s.data))
    epochs(s, 2)
    assert_same_state(s.capture().training, straight.capture().training)


def test_a_run_on_other_data_restores_its_data():
    s = session()
    workspace = Workspace(s)
    s.step()
    xor = prepare(replace(SPIRAL, name="xor"))
    workspace.apply(1, Edit(spec=s.spec, data=xor))
    (run,) = s.runs.runs
    assert run.data_config.name == "spiral"
    spiral = prepare(run.data_config)
    workspace.apply(2, Edit(spec=run.spec, data=spiral, state=run_continuation(run, spiral)))
    assert s.data is spiral
    workspace.undo(2)
    assert s.data is xor


def test_snapshots_carry_the_runs_tuple():
    s = session()
    assert s.snapshot().runs == ()
    s.step()
    s.keep_run("mine")
    snap = s.snapshot()
    assert snap.runs is s.runs.runs and snap.runs[0].name == "mine"
    assert (snap.batch_size, snap.n_train) == (16, 72)


# -- project files -------------------------------------------------------------------------
def test_runs_round_trip_through_a_project_file(tmp_path):
    s = session()
    epochs(s, 2)
    s.reset()
    s.step()
    s.keep_run("kept")
    s.runs.set_pinned(s.runs.runs[0].run_id, True)
    path = save_project(tmp_path / "runs.nnviz", project_from_session(s))
    opened = session_from_project(load_project(path))
    assert len(opened.runs) == 2
    for a, b in zip(s.runs.runs, opened.runs.runs, strict=True):
        assert (a.run_id, a.name, a.difference, a.pinned) == (
            b.run_id,
            b.name,
            b.difference,
            b.pinned,
        )
        assert a.spec == b.spec and a.data_config == b.data_config
        assert_same_state(a.state, b.state)
        assert np.array_equal(a.thumbnail, b.thumbnail)
        for key in a.curves.values:
            assert np.array_equal(a.curves.values[key], b.curves.values[key], equal_nan=True)
            assert np.array_equal(a.curves.epochs[key], b.curves.epochs[key])
        assert a.curves.batches_per_epoch == b.curves.batches_per_epoch


def test_a_damaged_run_record_is_refused_with_its_problem():
    s = session()
    s.step()
    record = run_to_record(s.keep_run())
    arrays = dict(record["arrays"])
    arrays["initial/0000"] = np.zeros((3, 3))
    with pytest.raises(ValueError, match="initial weights do not fit"):
        run_from_record({"values": record["values"], "arrays": arrays})
    with pytest.raises(ValueError, match="incomplete"):
        run_from_record({"values": {}, "arrays": {}})


def test_a_run_handed_over_unnamed_gets_a_name_and_its_difference():
    """How another feature (a race's variant) adds a run: make_run with what it has."""
    s = session()
    s.step()
    s.keep_run()
    other = session(batch_size=1)
    other.step()
    epochs_, values = {}, {}
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        epochs_[key], values[key] = other.series[key].view()
    run = make_run(
        data_config=SPIRAL,
        state=other.trainer.get_state(),
        initial_weights=other.initial_weights,
        curves=RunCurves(epochs_, values, other.batches_per_epoch, other.trainer.n_samples),
    )
    kept = s.runs.add(run)
    assert (kept.name, kept.difference) == ("Run 2", "batch 16 → 1")
    assert s.runs.runs[-1] is kept


def test_reset_to_start_says_same_start_and_an_undone_switch_is_not_kept_twice():
    s = session()
    workspace = Workspace(s)
    s.step()
    s.reset(same_initial=True)
    s.step()
    s.reset(same_initial=True)  # the very same training again: not kept twice
    assert len(s.runs) == 1
    s.step()
    s.step()
    s.reset()
    assert [run.difference for run in s.runs.runs] == ["first run", "same settings (same start)"]
    s.step()
    workspace.apply(1, Edit(spec=s.spec, data=prepare(replace(SPIRAL, name="xor"))))
    assert len(s.runs) == 3
    workspace.undo(1)  # back to the training the switch kept as a run
    s.reset()
    assert len(s.runs) == 3


def test_a_project_file_without_a_runs_group_still_opens(tmp_path):
    s = session()
    s.step()
    path = save_project(tmp_path / "old.nnviz", project_from_session(s))
    with h5py.File(path, "a") as f:
        del f["runs"]
    opened = session_from_project(load_project(path))
    assert len(opened.runs) == 0 and opened.step_count == 1
