import math

import numpy as np
import pytest

from nnviz.engine import (
    Callback,
    Dense,
    DivergenceError,
    EarlyStopping,
    Sequential,
    StepResult,
    Trainer,
    optimizers,
    training,
)

from .test_model import small_model, xor_data


class Recorder(Callback):
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def on_train_begin(self, logs=None):
        self.events.append(("train_begin",))

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append(("epoch_begin", epoch))

    def on_batch_end(self, batch, logs=None):
        self.events.append(("batch", batch, logs["loss"]))

    def on_epoch_end(self, epoch, logs=None):
        self.events.append(("epoch_end", epoch, dict(logs)))

    def on_train_end(self, logs=None):
        self.events.append(("train_end",))


def test_steps_epochs_and_partial_last_batch():
    x, y = xor_data(25)
    trainer = Trainer(small_model(), x, y, batch_size=10)
    results = [trainer.train_step() for _ in range(6)]
    assert [r.epoch_finished for r in results] == [False, False, True] * 2
    assert [(r.step, r.epoch) for r in results] == [(1, 0), (2, 0), (3, 1), (4, 1), (5, 1), (6, 2)]
    assert isinstance(results[0], StepResult)
    assert trainer.step == 6 and trainer.epoch == 2
    assert len(trainer.history["loss"]) == 2
    # the epoch loss is the sample-weighted mean of its batch losses (10, 10, 5 samples)
    first = [r.loss for r in results[:3]]
    assert trainer.history["loss"][0] == pytest.approx(
        (10 * first[0] + 10 * first[1] + 5 * first[2]) / 25
    )
    assert not hasattr(trainer.history, "step_loss")  # nothing grows per step


def test_full_batch_is_one_step_per_epoch_and_equals_train_on_batch():
    x, y = xor_data(30)
    model, twin = small_model(), small_model()
    trainer = Trainer(model, x, y, batch_size=None)
    for _ in range(3):
        result = trainer.train_step()
        assert result.epoch_finished
        assert result.loss == twin.train_on_batch(x, y)
    assert trainer.epoch == 3


def test_seeded_shuffling():
    x, y = xor_data(40)

    def losses(seed, shuffle=True):
        trainer = Trainer(small_model(), x, y, batch_size=8, seed=seed, shuffle=shuffle)
        return [trainer.train_step().loss for _ in range(10)]

    assert losses(1) == losses(1)
    assert losses(1) != losses(2)
    # without shuffling, batches are consecutive slices in order
    twin = small_model()
    expected = [twin.train_on_batch(x[i : i + 8], y[i : i + 8]) for i in range(0, 40, 8)]
    assert losses(0, shuffle=False)[:5] == expected


def test_batch_size_changes_between_steps_and_follows_the_model():
    x, y = xor_data(20)
    model = small_model()
    trainer = Trainer(model, x, y, batch_size=5)
    trainer.train_step()
    trainer.batch_size = 10
    assert model.batch_size == 10
    result = trainer.train_step()  # samples 5..14
    assert not result.epoch_finished
    result = trainer.train_step()  # samples 15..19: the epoch ends
    assert result.epoch_finished and trainer.step == 3
    model.batch_size = None  # e.g. through apply_spec
    assert trainer.train_step().epoch_finished
    with pytest.raises(ValueError, match="batch_size must be a whole number >= 1 or None"):
        trainer.batch_size = 0


def test_history_accuracy_and_validation_metrics():
    x, y = xor_data(40)
    xv, yv = xor_data(20, seed=1)
    model = small_model()
    recorder = Recorder()
    trainer = Trainer(model, x, y, batch_size=None, validation_data=(xv, yv), callbacks=[recorder])
    before_update = model.evaluate(x, y)
    trainer.train_step()
    history = trainer.history
    assert history["accuracy"][0] == pytest.approx(before_update["accuracy"])
    assert history["loss"][0] == pytest.approx(before_update["loss"])
    after_update = model.evaluate(xv, yv)
    assert history["val_loss"] == [pytest.approx(after_update["loss"])]
    assert history["val_accuracy"] == [pytest.approx(after_update["accuracy"])]
    assert history.epoch == [0]
    assert recorder.events[-1][0] == "epoch_end"
    assert set(recorder.events[-1][2]) == {"loss", "accuracy", "val_loss", "val_accuracy"}


def test_fit_runs_the_trainer_with_callbacks():
    x, y = xor_data(30)
    recorder = Recorder()
    history = small_model().fit(x, y, epochs=2, batch_size=10, callbacks=[recorder], seed=3)
    kinds = [e[0] for e in recorder.events]
    assert kinds == ["train_begin"] + (["epoch_begin"] + ["batch"] * 3 + ["epoch_end"]) * 2 + [
        "train_end"
    ]
    trainer = Trainer(small_model(), x, y, batch_size=10, seed=3)
    trainer.run_epoch()
    trainer.run_epoch()
    assert history["loss"] == trainer.history["loss"]
    assert history.epoch == trainer.history.epoch == [0, 1]


def test_stop_training_flag_ends_fit_after_the_batch():
    class StopAfterFour(Callback):
        def on_batch_end(self, batch, logs=None):
            if self.trainer.step == 4:
                self.model.stop_training = True

    x, y = xor_data(30)
    model = small_model()
    stopper = StopAfterFour()
    history = model.fit(x, y, epochs=50, batch_size=10, callbacks=[stopper])
    assert stopper.trainer.step == 4
    assert len(history["loss"]) == 1  # the second epoch was cut short


def test_early_stopping_on_validation_loss_restores_the_best_weights():
    x, y = xor_data(40)
    # validation labels are the opposite: the better it fits x, the worse val_loss gets
    model = small_model()
    stopper = EarlyStopping(patience=2, restore_best_weights=True)
    history = model.fit(
        x, y, epochs=100, batch_size=None, validation_data=(x, 1 - y), callbacks=[stopper]
    )
    val = history["val_loss"]
    best = int(np.argmin(val))
    # as in Keras: stop once `patience` epochs in a row did not improve
    assert stopper.stopped_epoch == best + 2
    assert len(val) == best + 3
    assert all(v > val[best] for v in val[best + 1 :])
    assert model.evaluate(x, 1 - y)["loss"] == pytest.approx(val[best])


def test_early_stopping_without_validation_warns():
    x, y = xor_data(10)
    with pytest.warns(UserWarning, match="give validation_data"):
        small_model().fit(x, y, epochs=2, callbacks=[EarlyStopping()])


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_divergence_reports_epoch_and_step_and_keeps_history():
    x, y = xor_data(20)
    model = Sequential([Dense(8, activation="relu"), Dense(1)], input_dim=2, seed=0)
    model.compile(optimizer=optimizers.SGD(learning_rate=0.01), loss="mse")
    trainer = Trainer(model, x, y * 1e3, batch_size=10, shuffle=False)
    for _ in range(4):
        trainer.train_step()
    kept_history = list(trainer.history["loss"])
    before = model.get_weights()
    model.optimizer.learning_rate = 1e300
    with pytest.raises(DivergenceError) as info:
        for _ in range(3):
            trainer.train_step()
    error = info.value
    assert (error.epoch, error.step) == (2, trainer.step + 1)
    assert "at epoch 3, step" in str(error)
    assert trainer.history["loss"] == kept_history
    # back to the weights before the update that blew up (step 5's)
    for a, b in zip(before, model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    model.optimizer.learning_rate = 1e-4
    result = trainer.train_step()
    assert math.isfinite(result.loss) and result.step == error.step


def test_trainer_rejects_bad_input_clearly():
    model = small_model()
    with pytest.raises(ValueError, match="no training samples"):
        Trainer(model, np.zeros((0, 2)), np.zeros(0))
    with pytest.raises(ValueError, match="validation_data must be a pair"):
        Trainer(model, *xor_data(), validation_data=(np.zeros((3, 2)),))
    uncompiled = Sequential([Dense(1)], input_dim=2)
    with pytest.raises(ValueError, match="compile the model first"):
        Trainer(uncompiled, *xor_data())


def test_callbacks_driven_step_by_step_know_their_model_and_trainer():
    x, y = xor_data(20)
    model = small_model()
    stopper = EarlyStopping(patience=1)
    trainer = Trainer(model, x, y, batch_size=None, validation_data=(x, 1 - y))
    trainer.callbacks = [stopper]  # as the app does, without fit
    assert stopper.model is model and stopper.trainer is trainer
    while not model.stop_training:
        trainer.train_step()
    assert stopper.stopped_epoch == trainer.epoch - 1


def test_kept_batch_outputs_stay_few_in_a_huge_epoch_and_the_accuracy_is_unchanged(monkeypatch):
    x, y = xor_data(300)

    def accuracy() -> tuple[float, int]:
        trainer = Trainer(small_model(), x, y, batch_size=1, seed=2)
        most = 0
        for _ in range(300):
            trainer.train_step()
            most = max(most, len(trainer._outputs))
        return trainer.history["accuracy"][0], most

    bounded, most = accuracy()
    assert most < training.MAX_KEPT_OUTPUTS
    monkeypatch.setattr(training, "MAX_KEPT_OUTPUTS", 10**6)
    unbounded, most = accuracy()
    assert most == 299 and unbounded == bounded


def test_a_trainer_without_history_keeps_nothing_per_epoch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    y = (x[:, 0] > 0).astype(int)
    model = Sequential([Dense(3, activation="tanh"), Dense(1, activation="sigmoid")], seed=0)
    model.compile(optimizer="sgd", loss="binary_crossentropy")
    trainer = Trainer(model, x, y, batch_size=None, keep_history=False)
    for _ in range(50):
        trainer.train_step()
    assert trainer.epoch == 50 and trainer.history.history["loss"] == []
    assert set(trainer.last_logs) == {"loss", "accuracy"}
