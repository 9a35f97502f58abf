"""A diagnosis of training in words (no Qt).

Each rule is a small function in :data:`RULES` that looks at :class:`Facts` — the last
step's per-layer statistics, the weights, the loss history and the scale of the inputs —
and returns a :class:`Finding` (a plain sentence with the numbers and one suggestion) or
None. The session calls :func:`session_findings` when it makes a snapshot; the app lists
the findings in its diagnosis panel and sums them up in the status bar.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from nnviz.data import PreparedData
from nnviz.engine.stats import LayerStats
from nnviz.live.snapshot import HISTORY_KEYS

if TYPE_CHECKING:  # the session imports this module
    from nnviz.live.session import TrainingSession

#: first layer's gradient (per weight) this many times smaller than the last's: vanishing
VANISHING_RATIO = 1e-2
#: ... this many times larger: exploding
EXPLODING_RATIO = 1e2
#: a gradient norm per weight above this explodes whatever the other layers do
EXPLODING_RMS = 1e2
#: a hidden sigmoid/tanh layer with at least this fraction of activations in the flat tails
SATURATED_FRACTION = 0.5
#: a hidden ReLU layer with at least this fraction of units silent on the whole batch
DEAD_FRACTION = 0.5
#: loss history windows (steps) of the learning-rate rules
MIN_STEPS = 30
RISE_FACTOR = 1.3  # smoothed loss this much above its best since warm-up: rising
OSCILLATION_WINDOW = 40
OSCILLATION_SIGN_CHANGES = 0.85  # random batch noise gives about 2/3
OSCILLATION_AMPLITUDE = 0.25  # mean |step-to-step change| / mean loss
FLAT_WINDOW = 200
FLAT_CHANGE = 0.02  # the smoothed loss moved less than this fraction over FLAT_WINDOW steps
FLAT_PROGRESS = 0.95  # ... and is still above this fraction of where training started
SMALL_UPDATE = 1e-3  # ... and no layer's last update moved its weights by this fraction
#: overfitting: at least this many epochs, and the validation loss this far above its best
MIN_EPOCHS = 8
OVERFIT_RISE = 1.1
#: inputs whose features have |mean| or std beyond these are "not normalized"
INPUT_MEAN_LIMIT = 3.0
INPUT_STD_LIMIT = 5.0
INPUT_STD_SPREAD = 50.0  # largest std / smallest std among the features


@dataclass(frozen=True)
class Finding:
    """One diagnosis: ``rule`` (its key in :data:`RULES`), a short ``title``, the ``text``
    with the numbers and a ``suggestion``."""

    rule: str
    title: str
    text: str
    suggestion: str


@dataclass(frozen=True)
class Facts:
    """What the rules look at. ``layer_stats``: the last step's, one per dense layer
    (empty before the first step); ``weights``: ``(W, b)`` per dense layer; ``step_losses``
    and ``smoothed_losses``: per step; ``history``: per epoch (``loss``, ``val_loss``...);
    ``input_mean``/``input_std``: per feature of the training inputs the network sees."""

    layer_stats: Sequence[LayerStats] = ()
    weights: Sequence[tuple[np.ndarray, np.ndarray]] = ()
    step_losses: np.ndarray = field(default_factory=lambda: np.zeros(0))
    smoothed_losses: np.ndarray = field(default_factory=lambda: np.zeros(0))
    history: Mapping[str, np.ndarray] = field(default_factory=dict)
    learning_rate: float = 0.0
    input_mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    input_std: np.ndarray = field(default_factory=lambda: np.zeros(0))


Rule = Callable[[Facts], "Finding | None"]
RULES: dict[str, Rule] = {}


def rule(key: str) -> Callable[[Rule], Rule]:
    def register(function: Rule) -> Rule:
        RULES[key] = function
        return function

    return register


def diagnose(facts: Facts) -> tuple[Finding, ...]:
    """Every rule's finding, in the order of :data:`RULES`."""
    return tuple(f for f in (check(facts) for check in RULES.values()) if f is not None)


def summary(findings: Sequence[Finding]) -> str:
    """One line for the status bar."""
    if not findings:
        return "Diagnosis: nothing unusual."
    return "Diagnosis: " + "; ".join(f.title for f in findings) + "."


@lru_cache(maxsize=1)
def input_scale(data: PreparedData) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature mean and standard deviation of the training inputs."""
    x = data.x_train
    return x.mean(axis=0), x.std(axis=0)


def session_findings(session: TrainingSession, stats: Sequence[LayerStats]) -> tuple[Finding, ...]:
    """The findings for ``session`` now (``stats``: its model's last-step statistics)."""
    mean, std = input_scale(session.data)
    model = session.model
    return diagnose(
        Facts(
            layer_stats=stats,
            weights=[(d.W, d.b) for d in model.dense_layers],
            step_losses=session.series["step_loss"].view()[1],
            smoothed_losses=session.series["smoothed_loss"].view()[1],
            history={key: session.series[key].view()[1] for key in HISTORY_KEYS},
            learning_rate=float(model.optimizer.current_learning_rate),
            input_mean=mean,
            input_std=std,
        )
    )


# -- helpers ----------------------------------------------------------------------------
def _rms_gradients(facts: Facts) -> list[float]:
    """Per dense layer: the gradient norm per weight, ‖∂L/∂W‖ / √(number of weights)."""
    return [
        s.grad_norm / math.sqrt(max(w.size, 1))
        for s, (w, _) in zip(facts.layer_stats, facts.weights, strict=False)
    ]


def _orders(ratio: float) -> str:
    if ratio == 0.0:
        return "infinitely many orders of magnitude"
    n = abs(math.log10(ratio))
    return f"{n:.1f} orders of magnitude"


def _hidden(facts: Facts) -> Sequence[LayerStats]:
    return facts.layer_stats[:-1]


# -- rules ------------------------------------------------------------------------------
@rule("vanishing")
def vanishing_gradients(facts: Facts) -> Finding | None:
    rms = _rms_gradients(facts)
    if len(rms) < 2 or rms[-1] <= 0.0:
        return None
    ratio = rms[0] / rms[-1]
    if ratio >= VANISHING_RATIO:
        return None
    return Finding(
        "vanishing",
        "vanishing gradients",
        f"Vanishing gradients: layer 1's gradient per weight ({rms[0]:.2g}) is "
        f"{_orders(ratio)} smaller than the output layer's ({rms[-1]:.2g}), so the first "
        "layers barely learn.",
        "Try ReLU or tanh instead of sigmoid in the hidden layers, He or Glorot "
        "initialization, or fewer layers.",
    )


@rule("exploding")
def exploding_gradients(facts: Facts) -> Finding | None:
    rms = _rms_gradients(facts)
    if not rms:
        return None
    largest = max(range(len(rms)), key=lambda i: rms[i])
    ratio = rms[0] / rms[-1] if rms[-1] > 0 else 0.0
    if len(rms) >= 2 and ratio > EXPLODING_RATIO:
        text = (
            f"Exploding gradients: layer 1's gradient per weight ({rms[0]:.2g}) is "
            f"{_orders(ratio)} larger than the output layer's ({rms[-1]:.2g})."
        )
    elif rms[largest] > EXPLODING_RMS:
        text = (
            f"Exploding gradients: layer {largest + 1}'s gradient per weight is "
            f"{rms[largest]:.3g}, so one step can throw its weights far away."
        )
    else:
        return None
    return Finding(
        "exploding",
        "exploding gradients",
        text,
        "Use smaller initial weights (Glorot or He instead of large random ones), a "
        "lower learning rate, or clip the gradient norm.",
    )


@rule("saturated")
def saturated_units(facts: Facts) -> Finding | None:
    layers = [s for s in _hidden(facts) if s.saturated is not None]
    worst = max(layers, key=lambda s: s.saturated or 0.0, default=None)
    if worst is None or (worst.saturated or 0.0) < SATURATED_FRACTION:
        return None
    many = [s.index for s in layers if (s.saturated or 0.0) >= SATURATED_FRACTION]
    where = f"layer {many[0]}" if len(many) == 1 else "layers " + ", ".join(map(str, many))
    return Finding(
        "saturated",
        "saturated units",
        f"Saturated {worst.activation} units in {where}: {100 * (worst.saturated or 0):.0f}% "
        f"of layer {worst.index}'s outputs sit in the flat ends of the curve, where the "
        "derivative is almost 0.",
        "Use smaller initial weights (Glorot), normalize the inputs, or lower the learning rate.",
    )


@rule("dead_relu")
def dead_relus(facts: Facts) -> Finding | None:
    layers = [s for s in _hidden(facts) if s.dead is not None]
    worst = max(layers, key=lambda s: s.dead or 0.0, default=None)
    if worst is None or (worst.dead or 0.0) < DEAD_FRACTION:
        return None
    units = facts.weights[worst.index - 1][0].shape[1] if facts.weights else 0
    dead = round((worst.dead or 0.0) * units)
    return Finding(
        "dead_relu",
        "dead ReLUs",
        f"Dead ReLUs: {dead} of {units} units of layer {worst.index} output 0 for every "
        "sample of the batch, so no gradient flows through them.",
        "Lower the learning rate, use He initialization, or try leaky ReLU.",
    )


@rule("symmetric")
def symmetric_neurons(facts: Facts) -> Finding | None:
    for number, (w, b) in enumerate(facts.weights[:-1], start=1):
        units = w.shape[1]
        if units < 2:
            continue
        reach = max(float(np.abs(w).max(initial=0.0)), float(np.abs(b).max(initial=0.0)), 1.0)
        same = np.all(np.abs(w - w[:, :1]) <= 1e-9 * reach, axis=0) & (
            np.abs(b - b[0]) <= 1e-9 * reach
        )
        if same.all():
            value = float(w.flat[0]) if w.size else 0.0
            same_text = (
                f"identical weights (all {value:g})"
                if np.all(w == value)
                else ("identical weights")
            )
            return Finding(
                "symmetric",
                "symmetric neurons",
                f"Symmetric neurons: all {units} units of layer {number} have {same_text}, "
                "so they compute the same thing and get the same update — the "
                "layer acts like a single neuron.",
                "Break the symmetry with random initial weights (Glorot or He), then reset.",
            )
    return None


@rule("lr_high")
def learning_rate_too_high(facts: Facts) -> Finding | None:
    smooth, losses = facts.smoothed_losses, facts.step_losses
    n = len(smooth)
    if n < MIN_STEPS:
        return None
    best = float(np.min(smooth[MIN_STEPS // 2 :]))
    now = float(smooth[-1])
    if best > 0 and now > RISE_FACTOR * best:
        text = (
            f"The loss is rising: its running average went from {best:.3g} up to {now:.3g} "
            f"with a learning rate of {facts.learning_rate:g}."
        )
    else:
        recent = losses[-OSCILLATION_WINDOW:]
        steps = np.diff(recent)
        mean = float(np.mean(recent))
        if len(steps) < 3 or mean <= 0:
            return None
        flips = float(np.mean(np.sign(steps[1:]) * np.sign(steps[:-1]) < 0))
        amplitude = float(np.mean(np.abs(steps))) / mean
        if flips < OSCILLATION_SIGN_CHANGES or amplitude < OSCILLATION_AMPLITUDE:
            return None
        text = (
            f"The loss oscillates: it went up and down at {100 * flips:.0f}% of the last "
            f"{len(recent)} steps, by {100 * amplitude:.0f}% of its value each time, with a "
            f"learning rate of {facts.learning_rate:g}."
        )
    return Finding(
        "lr_high",
        "learning rate too high",
        text,
        f"Lower the learning rate (try {facts.learning_rate / 10:g}).",
    )


@rule("lr_low")
def learning_rate_too_low(facts: Facts) -> Finding | None:
    smooth = facts.smoothed_losses
    if len(smooth) < FLAT_WINDOW:
        return None
    start, before, now = float(smooth[0]), float(smooth[-FLAT_WINDOW]), float(smooth[-1])
    if before <= 0 or start <= 0:
        return None
    change = (before - now) / before
    if abs(change) >= FLAT_CHANGE or now < FLAT_PROGRESS * start:
        return None
    moves = max((s.update_ratio for s in facts.layer_stats), default=0.0)
    if moves >= SMALL_UPDATE:
        return None  # the weights move: a plateau, not a too small step
    return Finding(
        "lr_low",
        "learning rate too low",
        f"The loss is flat: it changed by {100 * change:.1f}% over the last {FLAT_WINDOW} "
        f"steps and is still {now:.3g} (it started at {start:.3g}); each step moves the "
        f"weights by at most {moves:.2g} of their size, with a learning rate of "
        f"{facts.learning_rate:g}.",
        f"Raise the learning rate (try {facts.learning_rate * 10:g}).",
    )


@rule("overfitting")
def overfitting(facts: Facts) -> Finding | None:
    train = np.asarray(facts.history.get("loss", np.zeros(0)))
    val = np.asarray(facts.history.get("val_loss", np.zeros(0)))
    if len(val) < MIN_EPOCHS or len(train) != len(val) or not np.all(np.isfinite(val)):
        return None
    best = int(np.argmin(val))
    if best == len(val) - 1 or val[-1] < OVERFIT_RISE * val[best] or train[-1] >= train[best]:
        return None
    return Finding(
        "overfitting",
        "overfitting",
        f"Overfitting: the validation loss rose from {val[best]:.3g} (epoch {best + 1}) to "
        f"{val[-1]:.3g} (epoch {len(val)}) while the training loss fell from "
        f"{train[best]:.3g} to {train[-1]:.3g}: the network memorizes the training set.",
        "Add L2 regularization or dropout, use more data or a smaller network, or stop "
        "early (Early stopping in the hyperparameters).",
    )


@rule("unnormalized")
def unnormalized_inputs(facts: Facts) -> Finding | None:
    mean, std = facts.input_mean, facts.input_std
    if not len(mean):
        return None
    big_mean = float(np.max(np.abs(mean)))
    big_std = float(np.max(std))
    spread_ok = True
    positive = std[std > 0]
    if len(positive) >= 2:
        spread_ok = float(positive.max() / positive.min()) <= INPUT_STD_SPREAD
    if big_mean <= INPUT_MEAN_LIMIT and big_std <= INPUT_STD_LIMIT and spread_ok:
        return None
    return Finding(
        "unnormalized",
        "inputs not normalized",
        f"The inputs are not normalized: feature means reach {big_mean:.3g} and standard "
        f"deviations {big_std:.3g} (from {float(std.min()):.3g}), so the first layer's "
        "weighted sums are huge or lopsided.",
        "Standardize the inputs (or divide pixel values by 255) in the dataset panel.",
    )
