"""The starting points the app and ``nnviz train`` share: which data opens, and the
network, optimizer and batch size that learn it. One place, so both begin alike."""

from __future__ import annotations

import os

from nnviz.data import POINT_SETS, DataConfig
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec

# The first run a learner sees (measured with benchmarks/first_run.py; checked by
# tests/live/test_first_run.py): at 10 epochs/s the spiral's boundary forms in about 6 to
# 15 seconds (validation accuracy above 90% by epoch 100-150). 600 points with noise 0.05
# keep the arms apart (noise 0.1 on 400 points made a blob that 2-8-8-1 tanh only began
# to separate after a minute, and then overfit). ReLU learns the arms several times faster
# than tanh here; the small L2 penalty keeps the weights bounded, so the validation loss
# does not creep up as the network memorizes, and Adam stays stable in a run left at full
# speed for many minutes (without it Adam 0.01 diverged after about nine).
DEFAULT_DATASET = "spiral"
DEFAULT_POINTS = 600
DEFAULT_NOISE = 0.05
DEFAULT_HIDDEN = (16, 16)
DEFAULT_ACTIVATION = "relu"
DEFAULT_OPTIMIZER = "adam"
DEFAULT_LEARNING_RATE = 0.005
DEFAULT_BATCH_SIZE = 16
DEFAULT_L2 = 1e-4
#: The speed the app opens with: slow enough to watch the boundary form, fast enough that
#: it forms within a quarter of a minute. Full speed is one click away.
DEFAULT_EPOCHS_PER_SECOND = 10.0


class PresetError(ValueError):
    """A preset was asked for data that does not exist (the message lists the choices)."""


def data_config(
    dataset: str = DEFAULT_DATASET, data_dir: str | os.PathLike[str] | None = None
) -> DataConfig:
    """The data to open: a 2D set by name, or ``"cat"`` (``data_dir`` optional)."""
    if dataset == "cat":
        return DataConfig(kind="cat", path=str(data_dir) if data_dir else None, validation=0.2)
    if dataset not in POINT_SETS:
        raise PresetError(
            f"unknown dataset {dataset!r}; choose 'cat' or one of: {', '.join(POINT_SETS.names())}"
        )
    return DataConfig(kind="points", name=dataset, n_samples=DEFAULT_POINTS, noise=DEFAULT_NOISE)


def network_spec(config: DataConfig) -> NetworkSpec:
    """A network that learns the chosen data in a minute: 2-16-16-1 ReLU for points, the
    course's 20-7-5-1 ReLU network for images (input and output still to be fitted to the
    data with :meth:`NetworkSpec.for_task`)."""
    if config.kind == "points":
        hidden = tuple(
            LayerSpec(units=u, activation=DEFAULT_ACTIVATION, l2=DEFAULT_L2) for u in DEFAULT_HIDDEN
        )
        return NetworkSpec(
            layers=(*hidden, LayerSpec(units=1, activation="sigmoid", l2=DEFAULT_L2)),
            optimizer=OptimizerSpec(DEFAULT_OPTIMIZER, DEFAULT_LEARNING_RATE),
            batch_size=DEFAULT_BATCH_SIZE,
        )
    # He initialization for every layer, as in the course (seed 0 with a Glorot output
    # layer happened to start with every ReLU of layer 2 dead).
    hidden = tuple(
        LayerSpec(units=u, activation="relu", initializer="he_normal") for u in (20, 7, 5)
    )
    return NetworkSpec(
        layers=(*hidden, LayerSpec(units=1, activation="sigmoid", initializer="he_normal")),
        # Adam's per-weight steps add up over 12288 inputs: 1e-3 saturates the ReLUs at
        # once, 1e-4 learns the training set in about a hundred epochs.
        optimizer=OptimizerSpec("adam", 1e-4),
        batch_size=32,
        dtype="float32",
    )
