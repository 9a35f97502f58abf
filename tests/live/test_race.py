"""Races: variants of one set-up trained side by side, bit for bit like separate runs."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnviz.data import prepare
from nnviz.engine import DivergenceError, Sequential, Trainer
from nnviz.engine.spec import SpecError
from nnviz.live import presets
from nnviz.live.race import (
    DIVERGED,
    FINISHED,
    FULL_BATCH,
    PRESETS,
    TRAJECTORY_ROWS,
    Race,
    RaceJob,
    RaceVariant,
    preset_variants,
)
from nnviz.live.session import TrainingSession, run_continuation


@pytest.fixture(scope="module")
def setup():
    config = presets.data_config()
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    return spec, data


def separate_training(spec, data, weights, epochs):
    """The engine's own Trainer on one variant, from ``weights``: what a race must equal."""
    model = Sequential.from_config(spec)
    model.set_weights(weights)
    trainer = Trainer(
        model,
        data.x_train,
        data.y_train,
        batch_size=spec.batch_size,
        seed=spec.seed,
        validation_data=(data.x_val, data.y_val),
    )
    trainer.fit(epochs)
    return trainer


def run(race: Race) -> None:
    while race.step():
        pass


def assert_same_as_separate(race, data, weights, epochs, runners=None):
    for runner in race.runners if runners is None else runners:
        alone = separate_training(runner.spec, data, weights, epochs)
        state, expected = runner.trainer.get_state(), alone.get_state()
        for key, array in expected.arrays.items():
            np.testing.assert_array_equal(state.arrays[key], array, err_msg=key)
        assert state.values == expected.values
        epochs_seen, losses = runner.series["loss"].view()
        assert list(epochs_seen) == list(range(1, epochs + 1))
        assert list(losses) == alone.history["loss"]
        assert list(runner.series["val_accuracy"].view()[1]) == alone.history["val_accuracy"]


@pytest.mark.parametrize("stacked", [True, False])
def test_sgd_and_adam_race_equals_two_separate_trainings_bit_for_bit(setup, stacked):
    spec, data = setup
    weights = Sequential.from_config(spec).get_weights()
    variants = [RaceVariant("SGD", "sgd", 0.1, {}), RaceVariant("Adam", "adam", 0.01, {})]
    race = Race(spec, data, variants, 4, weights, stacked=stacked)
    assert [r.stacked for r in race.runners] == [stacked, stacked]
    run(race)
    assert_same_as_separate(race, data, weights, 4)


def test_a_stacked_race_records_what_an_unstacked_one_does(setup):
    spec, data = setup  # its members step through one Lockstep, their rows at one tick
    weights = Sequential.from_config(spec).get_weights()
    variants = preset_variants("optimizers", spec)
    stacked, alone = (Race(spec, data, variants, 3, weights, stacked=s) for s in (True, False))
    assert stacked._locksteps[0] is not None and len(stacked.lanes) == 1
    run(stacked)
    run(alone)
    for got, want in zip(stacked.runners, alone.runners, strict=True):
        for a, b in zip(got.trajectory.points(), want.trajectory.points(), strict=True):
            np.testing.assert_array_equal(a, b)
        assert len(got.trajectory) == 3 * 8 + 1  # a row every 1/8 epoch, and the start
        for key in ("loss", "val_loss", "val_accuracy"):
            np.testing.assert_array_equal(got.series[key].view()[1], want.series[key].view()[1])


def test_batch_size_race_equals_separate_trainings_and_stays_in_lockstep(setup):
    spec, data = setup
    weights = Sequential.from_config(spec).get_weights()
    race = Race(spec, data, preset_variants("batch_sizes", spec), 3, weights)
    batch_1, batch_32, full = race.runners
    assert (batch_1.spec.batch_size, batch_32.spec.batch_size, full.spec.batch_size) == (
        1,
        32,
        None,
    )
    n = len(data.x_train)
    while race.step():  # no variant is ever more than one epoch ahead of another
        epochs = [r.trainer.epoch for r in race.runners]
        assert max(epochs) - min(epochs) <= 1
    assert [r.trainer.step for r in race.runners] == [3 * n, 3 * math.ceil(n / 32), 3]
    assert_same_as_separate(race, data, weights, 3)


def test_same_initial_weights_and_batch_order_except_own_initializers(setup):
    spec, data = setup
    weights = Sequential.from_config(spec).get_weights()
    variants = [
        RaceVariant("SGD", "sgd", 0.1),
        RaceVariant("L2", l2=0.01),
        RaceVariant("He", initializer="he_normal"),
    ]
    race = Race(spec, data, variants, 1, weights)
    sgd, l2, he = race.runners
    for runner in (sgd, l2):
        for got, want in zip(runner.initial_weights, weights, strict=True):
            np.testing.assert_array_equal(got, want)
    drawn = Sequential.from_config(he.spec).get_weights()  # its own initializer, same seed
    for got, want in zip(he.initial_weights, drawn, strict=True):
        np.testing.assert_array_equal(got, want)
    assert not np.array_equal(he.initial_weights[0], weights[0])
    sgd.trainer.train_step()
    l2.trainer.train_step()
    np.testing.assert_array_equal(
        sgd.trainer.get_state().arrays["trainer/order"],
        l2.trainer.get_state().arrays["trainer/order"],
    )


def test_a_diverging_variant_stops_with_its_reason_and_the_others_finish(setup):
    spec, data = setup
    weights = Sequential.from_config(spec).get_weights()
    variants = [
        RaceVariant("calm", "adam", 0.01),
        RaceVariant("wild", "sgd", 500.0),
        RaceVariant("also calm", "sgd", 0.1),
    ]
    race = Race(spec, data, variants, 3, weights)
    run(race)
    calm, wild, also_calm = race.report(with_states=True).variants
    assert wild.status == DIVERGED and "diverged" in wild.reason
    assert "learning rate" in wild.reason
    assert calm.status == also_calm.status == FINISHED
    assert calm.epoch == also_calm.epoch == 3
    assert np.all(np.isfinite(wild.state.arrays["params"]))
    alone = separate_training(race.runners[0].spec, data, weights, 3)  # the others unharmed
    np.testing.assert_array_equal(calm.state.arrays["params"], alone.get_state().arrays["params"])


def test_a_variant_whose_relu_layer_dies_stops_as_it_does_alone(setup):
    spec, data = setup  # the divergence watch reads a stacked member's hidden activations
    weights = Sequential.from_config(spec).get_weights()
    variants = [RaceVariant("dies", "sgd", 10.0, {}), RaceVariant("Adam", "adam", 0.01, {})]
    race = Race(spec, data, variants, 12, weights)
    run(race)
    dies, adam = race.runners
    assert dies.stacked and dies.status == DIVERGED and "died" in dies.reason
    model = Sequential.from_config(dies.spec)
    model.set_weights(weights)
    alone = Trainer(model, data.x_train, data.y_train, batch_size=spec.batch_size, seed=spec.seed)
    with pytest.raises(DivergenceError) as error:
        alone.fit(12)
    assert str(error.value) == dies.reason
    np.testing.assert_array_equal(dies.trainer.get_state().arrays["params"], model._params)
    assert_same_as_separate(race, data, weights, 12, runners=[adam])


def test_variants_of_one_optimizer_update_together_and_equal_separate_trainings(setup):
    spec, data = setup  # Adam at four rates: one update for all, the wild one leaves it
    weights = Sequential.from_config(spec).get_weights()
    rates = (0.01, 1000.0, 0.001, 0.1)
    variants = [RaceVariant(f"Adam {rate:g}", "adam", rate, {}) for rate in rates]
    race = Race(spec, data, variants, 3, weights)
    group = race.runners[0].model._group
    assert len(group._updates) == 1 and group._alone == []
    run(race)
    calm = [r for r in race.runners if r.status == FINISHED]
    assert [r.variant.label for r in calm] == ["Adam 0.01", "Adam 0.001", "Adam 0.1"]
    assert race.runners[1].status == DIVERGED
    assert_same_as_separate(race, data, weights, 3, runners=calm)


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_build_the_variants_they_name(setup, name):
    spec, data = setup
    variants = preset_variants(name, spec)
    specs = [v.spec_for(spec, len(data.x_train)) for v in variants]
    if name == "optimizers":
        assert [(s.optimizer.name, dict(s.optimizer.options)) for s in specs] == [
            ("sgd", {}),
            ("sgd", {"momentum": 0.9}),
            ("rmsprop", {}),
            ("adam", {}),
        ]
        assert spec.optimizer.name == "adam"  # the rates follow the set-up's
        rate = spec.optimizer.learning_rate
        assert [s.optimizer.learning_rate for s in specs] == [10 * rate, 10 * rate, rate, rate]
    elif name == "batch_sizes":
        assert [s.batch_size for s in specs] == [1, 32, None]
    elif name == "initializers":
        assert [(s.layers[0].initializer, s.layers[0].init_scale) for s in specs] == [
            ("zeros", None),
            ("random_normal", 0.01),
            ("random_normal", 10.0),
            ("glorot_normal", None),
            ("he_normal", None),
        ]
        assert all(len({layer.initializer for layer in s.layers}) == 1 for s in specs)
    elif name == "learning_rates":
        rate = spec.optimizer.learning_rate
        assert [s.optimizer.learning_rate for s in specs] == [rate / 100, rate, rate * 100]
        assert {s.optimizer.name for s in specs} == {spec.optimizer.name}
    else:
        assert [s.dense_layers[0].l2 for s in specs] == [0.0, 0.001, 0.0]
        assert [[layer.rate for layer in s.layers if layer.kind == "dropout"] for s in specs] == [
            [],
            [],
            [0.2, 0.2],
        ]
    # everything else stays as the set-up
    assert all(s.dense_layers[-1].units == 1 and s.input_dim == spec.input_dim for s in specs)


def test_bad_variants_are_refused_with_what_to_change(setup):
    spec, data = setup
    weights = Sequential.from_config(spec).get_weights()
    with pytest.raises(ValueError, match="2 to 6 variants"):
        Race(spec, data, [RaceVariant("alone")], 2, weights)
    with pytest.raises(ValueError, match="same label"):
        Race(spec, data, [RaceVariant("a"), RaceVariant("a")], 2, weights)
    with pytest.raises(SpecError, match=r"variant 'bad'.*learning_rate"):
        Race(spec, data, [RaceVariant("ok"), RaceVariant("bad", learning_rate=-1.0)], 2, weights)
    with pytest.raises(ValueError, match="at least 1 epoch"):
        Race(spec, data, [RaceVariant("a"), RaceVariant("b")], 0, weights)
    assert RaceVariant("full", batch_size=FULL_BATCH).spec_for(spec, 240).batch_size is None


def finished_optimizers_race(spec, data) -> tuple[TrainingSession, RaceJob]:
    """A session and its 2-epoch race of the optimizers preset, run to the end."""
    session = TrainingSession(spec, data)
    job = RaceJob(preset_variants("optimizers", spec), epochs=2)
    while not job.advance(session, 0.05):
        pass
    return session, job


def test_race_job_reports_boundaries_series_and_run_handover(setup):
    session, job = finished_optimizers_race(*setup)
    assert job.result().variants[0].state is None  # states only in the last report
    report = job.report(done=True).result
    assert report.finished and report.epoch == 2 and job.progress() == 1.0
    assert len(report.variants) == 4
    n_params = sum(w.size for w in session.model.get_weights())
    for variant in report.variants:
        assert variant.stacked
        assert variant.boundary is not None and variant.boundary.grid.shape == (96, 96)
        epochs, losses = variant.history["loss"]
        assert list(epochs) == [1, 2] and np.all(np.isfinite(losses))
        assert variant.trajectory.shape[1] == n_params
        assert 2 < len(variant.trajectory) <= TRAJECTORY_ROWS
        start = np.concatenate([w.ravel() for w in variant.initial_weights])
        np.testing.assert_array_equal(variant.trajectory[0], start.astype(np.float32))
        assert int(variant.state.values["trainer/epoch"]) == 2
        for got, want in zip(variant.initial_weights, session.initial_weights, strict=True):
            np.testing.assert_array_equal(got, want)
    expected = session.boundary_of(job.race.runners[3].model)
    np.testing.assert_array_equal(report.variants[3].boundary.grid, expected.grid)
    assert session.step_count == 0  # the live training was left as it was


def test_a_finished_race_becomes_runs_that_continue_exactly(setup):
    data = setup[1]
    session, job = finished_optimizers_race(*setup)
    report = job.report(done=True).result
    kept = session.keep_raced(report)
    assert [run.name for run in kept] == [f"Race: {v.label}" for v in report.variants]
    assert session.runs.runs == tuple(kept)
    adam = kept[3]
    assert adam.epochs == 2 and adam.curves.n_train == data.raw.train.n_samples
    np.testing.assert_array_equal(adam.curves.values["loss"], report.variants[3].history["loss"][1])
    assert adam.thumbnail is not None and adam.thumbnail.dtype == np.uint8
    session.continue_from(run_continuation(adam, data))  # restored, it trains on exactly
    session.step()
    runner = job.race.runners[3]
    runner.trainer.train_step()
    for got, want in zip(session.model.get_weights(), runner.model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
