"""The NumPy training engine. No Qt.

>>> from nnviz.engine import Sequential, Dense, optimizers
>>> model = Sequential([Dense(8, activation="tanh"), Dense(1, activation="sigmoid")],
...                    input_dim=2, seed=0)
>>> model.compile(optimizer=optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy")
"""

from nnviz.engine import divergence, optimizers
from nnviz.engine.errors import DivergenceError
from nnviz.engine.layers import Dense, Dropout
from nnviz.engine.model import LayerTrace, Sequential
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec, ScheduleSpec, SpecError
from nnviz.engine.state import TrainingState
from nnviz.engine.stats import LayerStats
from nnviz.engine.training import Callback, EarlyStopping, History, StepResult, Trainer
from nnviz.engine.transition import Transition

__all__ = [
    "Callback",
    "Dense",
    "DivergenceError",
    "Dropout",
    "EarlyStopping",
    "History",
    "LayerSpec",
    "LayerStats",
    "LayerTrace",
    "NetworkSpec",
    "OptimizerSpec",
    "ScheduleSpec",
    "Sequential",
    "SpecError",
    "StepResult",
    "Trainer",
    "TrainingState",
    "Transition",
    "divergence",
    "optimizers",
]
