"""Each shipped lesson makes its point: its steps, applied headless with their seeds and
trained for the epochs they intend, show the effect the text describes."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import h5py
import numpy as np
import pytest

from nnviz.data import prepare
from nnviz.engine import DivergenceError
from nnviz.engine.spec import NetworkSpec
from nnviz.live.lessons import (
    PARTS,
    Lesson,
    boundary_is_linear,
    build_session,
    builtin_lessons,
    condition_met,
    network_spec,
    train_epochs,
)
from nnviz.live.session import TrainingSession


@pytest.fixture(scope="module")
def lessons() -> dict[int, Lesson]:
    return {lesson.number: lesson for lesson in builtin_lessons()}


def trained(lesson: Lesson, step: int, epochs: int | None = None) -> TrainingSession:
    """Step ``step`` (1-based) set up and trained for ``epochs`` (default: the step's)."""
    session = build_session(lesson, step - 1)
    settings = lesson.settings_at(step - 1)
    train_epochs(session, epochs if epochs is not None else settings.hyperparameters.epochs)
    return session


def accuracy(session: TrainingSession, split: str = "train") -> float:
    data = session.data
    x, y = (data.x_train, data.y_train) if split == "train" else (data.x_val, data.y_val)
    return float(session.model.evaluate(x, y)["accuracy"])


def final_loss(session: TrainingSession) -> float:
    return float(session.series["loss"].view()[1][-1])


def raced(
    session: TrainingSession, variants: dict[str, NetworkSpec], epochs: int, same_start: bool = True
) -> dict[str, TrainingSession]:
    """Each variant trained separately from ``session``'s initial weights (a race)."""
    start = session.model.get_weights()
    result = {}
    for name, spec in variants.items():
        variant = TrainingSession(spec, session.data)
        if same_start:
            variant.start_from(start)
        train_epochs(variant, epochs)
        result[name] = variant
    return result


def test_ten_lessons_ship_covering_the_seven_parts(lessons):
    assert sorted(lessons) == list(range(1, 11))
    assert {lesson.part for lesson in lessons.values()} == set(PARTS)
    for lesson in lessons.values():
        assert all("?" in step.text for step in lesson.steps), lesson.title


# -- 1. the perceptron ------------------------------------------------------------------
def test_lesson_1_the_slides_example_gives_sigmoid_of_minus_9(lessons):
    session = build_session(lessons[1], 0)
    (layer,) = session.model.dense_layers
    assert layer.b[0] == 1.0 and list(layer.W[:, 0]) == [3.0, -2.0]
    y = session.model.predict(np.array([[-2.0, 2.0]]))
    assert float(y[0, 0]) == pytest.approx(1.2339458e-4, rel=1e-6)
    assert 1 / (1 + math.exp(9)) == pytest.approx(1.2339458e-4, rel=1e-6)


def test_lesson_1_a_line_fits_two_blobs_but_not_xor(lessons):
    blobs = trained(lessons[1], 2)
    assert accuracy(blobs) >= 0.95
    assert condition_met(lessons[1].steps[1].condition, blobs.snapshot())
    xor = trained(lessons[1], 3)
    assert accuracy(xor) <= 0.75
    assert boundary_is_linear(xor.snapshot().boundary.grid)


# -- 2. activation functions ------------------------------------------------------------
def test_lesson_2_shows_each_activation_in_turn(lessons):
    names = [build_session(lessons[2], k).spec.dense_layers[0].activation for k in range(3)]
    assert names == ["sigmoid", "tanh", "relu"]


def test_lesson_2_deep_linear_network_draws_a_line_and_tanh_bends_it(lessons):
    linear = trained(lessons[2], 4)
    assert len(linear.spec.dense_layers) == 4
    assert boundary_is_linear(linear.snapshot().boundary.grid)
    assert condition_met(lessons[2].steps[3].condition, linear.snapshot())
    curved = trained(lessons[2], 5)
    assert not boundary_is_linear(curved.snapshot().boundary.grid)
    assert accuracy(curved) >= 0.95 > accuracy(linear)
    assert condition_met(lessons[2].steps[4].condition, curved.snapshot())


# -- 3. building networks ---------------------------------------------------------------
def test_lesson_3_xor_needs_a_hidden_layer(lessons):
    assert accuracy(trained(lessons[3], 1)) <= 0.75
    solved = trained(lessons[3], 2)
    assert [d.units for d in solved.spec.dense_layers] == [4, 1]
    assert accuracy(solved) >= 0.95


@pytest.mark.slow
def test_lesson_3_more_units_and_layers_follow_the_spiral(lessons):
    small, big = trained(lessons[3], 4), trained(lessons[3], 5)
    assert accuracy(small) <= 0.75
    assert accuracy(big) >= 0.95


def test_lesson_3_softmax_separates_four_classes(lessons):
    session = trained(lessons[3], 6)
    assert session.spec.dense_layers[-1].units == 4
    assert session.spec.dense_layers[-1].activation == "softmax"
    assert session.spec.loss == "categorical_crossentropy"
    assert accuracy(session) >= 0.9


# -- 4. cat vs non-cat ------------------------------------------------------------------
def write_cat_files(folder: Path, m_train: int = 40, m_test: int = 10) -> Path:
    """Small files in the cat layout (64x64x3): cats are brighter photos."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for part, m in (("train", m_train), ("test", m_test)):
        y = np.arange(m) % 2
        x = rng.integers(0, 128, (m, 64, 64, 3)) + 100 * y[:, None, None, None]
        with h5py.File(folder / f"{part}_catvnoncat.h5", "w") as f:
            f[f"{part}_set_x"] = x.astype(np.uint8)
            f[f"{part}_set_y"] = y.astype(np.int64)
            f["list_classes"] = np.array([b"non-cat", b"cat"])
    return folder


def cat_session(lesson: Lesson, folder: Path) -> TrainingSession:
    settings = lesson.settings_at(1)
    settings = replace(settings, data=replace(settings.data, path=str(folder)))
    data = prepare(settings.data)
    return TrainingSession(network_spec(settings, data), data)


def check_cat_lesson(session: TrainingSession, epochs: int) -> None:
    assert session.spec.input_dim == 12288
    assert [d.units for d in session.spec.dense_layers] == [20, 7, 5, 1]
    assert session.spec.dense_layers[0].activation == "relu"
    assert session.data.x_train.max() <= 1.0  # divided by 255
    before = float(session.model.evaluate(session.data.x_train, session.data.y_train)["loss"])
    train_epochs(session, epochs)
    assert final_loss(session) < before
    snapshot = session.snapshot()
    assert snapshot.confusion is not None and snapshot.test_predictions is not None


def test_lesson_4_on_small_files_of_the_cat_layout(lessons, tmp_path):
    session = cat_session(lessons[4], write_cat_files(tmp_path / "cats"))
    check_cat_lesson(session, 100)
    assert accuracy(session) >= 0.9


@pytest.mark.slow
def test_lesson_4_on_the_cat_photos(lessons, cat_data_dir):
    session = cat_session(lessons[4], cat_data_dir)
    check_cat_lesson(session, lessons[4].settings_at(1).hyperparameters.epochs)
    assert accuracy(session) >= 0.9
    assert condition_met(lessons[4].steps[1].condition, session.snapshot())
    # what it gets wrong: the test photos the gallery filter shows
    assert session.snapshot().confusion[0, 1] + session.snapshot().confusion[1, 0] > 0


# -- 5. gradient descent and mini-batches -----------------------------------------------
def test_lesson_5_batch_sizes_trade_noise_for_progress_per_epoch(lessons):
    start = build_session(lessons[5], 0)
    spec = start.spec
    runs = raced(
        start,
        {
            "1": replace(spec, batch_size=1),
            "32": replace(spec, batch_size=32),
            "full": replace(spec, batch_size=None),
        },
        lessons[5].settings_at(0).hyperparameters.epochs,
    )
    n = start.data.x_train.shape[0]
    assert runs["1"].step_count == 20 * n and runs["full"].step_count == 20
    assert final_loss(runs["1"]) < final_loss(runs["32"]) < final_loss(runs["full"])

    def noise(session: TrainingSession) -> float:
        return float(np.std(np.diff(session.series["step_loss"].view()[1][-20:])))

    assert noise(runs["1"]) > noise(runs["32"]) > noise(runs["full"])


def test_lesson_5_learning_rate_too_small_right_too_large(lessons):
    """The race's rates: the step's rate / 100, the rate, and the rate x 100."""
    start = build_session(lessons[5], 1)
    spec = start.spec
    rate = spec.optimizer.learning_rate

    def with_lr(lr: float) -> NetworkSpec:
        return replace(spec, optimizer=replace(spec.optimizer, learning_rate=lr))

    first = float(start.model.evaluate(start.data.x_train, start.data.y_train)["loss"])
    runs = raced(
        start,
        {"small": with_lr(rate / 100), "right": with_lr(rate), "large": with_lr(rate * 100)},
        lessons[5].settings_at(1).hyperparameters.epochs,
    )
    assert final_loss(runs["small"]) > 0.95 * first  # barely moved
    assert final_loss(runs["right"]) < 0.5 * first
    # worse than guessing: over its last epochs (the run is chaotic, so its very last
    # epoch moves with any rounding change, e.g. tanh's last ulp: 1.39 or 0.58)
    assert np.mean(runs["large"].series["loss"].view()[1][-5:]) > math.log(2)
    # the lesson's own too-large step diverges, and its condition says so
    session = build_session(lessons[5], 2)
    with pytest.raises(DivergenceError):
        train_epochs(session, 5)
    assert condition_met(lessons[5].steps[2].condition, session.snapshot(), diverged=True)


# -- 6. optimizers ----------------------------------------------------------------------
def test_lesson_6_momentum_and_adaptive_steps_beat_sgd_from_the_same_start(lessons):
    """The race's variants: SGD and momentum at 0.1, RMSprop and Adam at 0.01."""
    start = build_session(lessons[6], 0)
    spec = start.spec

    def optimizer(name: str, lr: float, **options: float) -> NetworkSpec:
        return replace(
            spec, optimizer=replace(spec.optimizer, name=name, learning_rate=lr, options=options)
        )

    runs = raced(
        start,
        {
            "sgd": optimizer("sgd", 0.1),
            "momentum": optimizer("sgd", 0.1, momentum=0.9),
            "rmsprop": optimizer("rmsprop", 0.01),
            "adam": optimizer("adam", 0.01),
        },
        lessons[6].settings_at(0).hyperparameters.epochs,
    )
    losses = {name: final_loss(run) for name, run in runs.items()}
    for faster in ("momentum", "rmsprop", "adam"):
        assert losses[faster] < 0.5 * losses["sgd"], losses
    assert losses["sgd"] > 0.8 * math.log(2)  # plain SGD has barely started
    assert lessons[6].steps[0].landscape and lessons[6].steps[0].race == "optimizers"
    assert lessons[6].settings_at(1).hyperparameters.learning_rate == 0.1


# -- 7. splitting and regularization ----------------------------------------------------
@pytest.mark.slow
def test_lesson_7_regularization_closes_the_train_validation_gap(lessons):
    def gap(session: TrainingSession) -> float:
        return accuracy(session) - accuracy(session, "val")

    plain = trained(lessons[7], 1)
    assert accuracy(plain) >= 0.95
    assert gap(plain) >= 0.15
    assert "overfitting" in {f.rule for f in plain.snapshot().findings}
    l2, dropout, early = (trained(lessons[7], k) for k in (2, 3, 4))
    assert l2.spec.dense_layers[0].l2 > 0
    assert any(layer.kind == "dropout" for layer in dropout.spec.layers)
    assert early.patience == 20 and early.epoch < 100  # stopped early
    for session in (l2, dropout, early):
        assert gap(session) <= 0.1
        assert accuracy(session, "val") > accuracy(plain, "val")


# -- 8. normalizing inputs --------------------------------------------------------------
def test_lesson_8_unnormalized_inputs_fail_and_standardized_ones_learn(lessons):
    raw = build_session(lessons[8], 0)
    assert raw.data.x_train[:, 0].std() > 1000 * raw.data.x_train[:, 1].std()
    assert "unnormalized" in {f.rule for f in raw.snapshot().findings}
    with pytest.raises(DivergenceError):
        train_epochs(raw, 100)
    spec = raw.spec
    tiny = replace(spec, optimizer=replace(spec.optimizer, learning_rate=1e-8))
    assert accuracy(raced(raw, {"tiny": tiny}, 100)["tiny"]) <= 0.6
    standardized = trained(lessons[8], 2)
    assert abs(standardized.data.x_train.mean(axis=0)).max() < 1e-9
    assert "unnormalized" not in {f.rule for f in standardized.snapshot().findings}
    assert accuracy(standardized) >= 0.9


# -- 9. vanishing gradients -------------------------------------------------------------
def test_lesson_9_deep_sigmoid_vanishes_and_relu_he_fixes_it(lessons):
    def first_to_last(session: TrainingSession) -> float:
        stats = session.model.layer_stats()
        sizes = [d.W.size for d in session.model.dense_layers]
        return (stats[0].grad_norm / math.sqrt(sizes[0])) / (
            stats[-1].grad_norm / math.sqrt(sizes[-1])
        )

    sigmoid = trained(lessons[9], 1)
    assert len(sigmoid.spec.dense_layers) == 9
    assert first_to_last(sigmoid) < 1e-2
    assert "vanishing" in {f.rule for f in sigmoid.snapshot().findings}
    assert accuracy(sigmoid) <= 0.6
    relu = trained(lessons[9], 2)
    assert relu.spec.dense_layers[0].initializer == "he_normal"
    assert first_to_last(relu) > 1e-2
    assert "vanishing" not in {f.rule for f in relu.snapshot().findings}
    assert accuracy(relu) >= 0.9


# -- 10. weight initialization ----------------------------------------------------------
def test_lesson_10_zeros_keep_hidden_units_identical(lessons):
    session = trained(lessons[10], 1)
    for layer in session.model.dense_layers[:-1]:
        assert np.allclose(layer.W, layer.W[:, :1]) and np.allclose(layer.b, layer.b[0])
    assert "symmetric" in {f.rule for f in session.snapshot().findings}
    assert accuracy(session) <= 0.6


def test_lesson_10_initializers_raced(lessons):
    start = build_session(lessons[10], 1)
    spec = start.spec

    def init(name: str, scale: float | None = None) -> NetworkSpec:
        layers = tuple(replace(la, initializer=name, init_scale=scale) for la in spec.layers)
        return spec.with_layers(layers)

    epochs = 20
    runs = raced(
        start,
        {
            "zeros": init("zeros"),
            "small": init("random_normal", 0.01),
            "large": init("random_normal", 10.0),
            "xavier": init("glorot_normal"),
            "he": init("he_normal"),
        },
        epochs,
        same_start=False,
    )
    losses = {name: final_loss(run) for name, run in runs.items()}
    first_epoch = {name: float(run.series["loss"].view()[1][0]) for name, run in runs.items()}
    assert losses["zeros"] == pytest.approx(math.log(2), abs=1e-3)  # never learns
    assert first_epoch["large"] > 5 * first_epoch["xavier"]  # saturated start
    for good in ("xavier", "he"):
        assert losses[good] < 0.5 * losses["small"]
        assert losses[good] < 0.5 * losses["large"]
