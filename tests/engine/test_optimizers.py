"""Each optimizer's first updates against its documented formula, computed by hand."""

import math

import numpy as np
import pytest

from nnviz.engine import optimizers, schedules
from nnviz.engine.optimizers import OPTIMIZERS

P0 = np.array([0.5, -1.0, 2.0, 0.0])
GRADS = [
    np.array([0.1, -0.2, 0.3, 1.0]),
    np.array([-0.4, 0.5, 0.1, -1.0]),
    np.array([0.2, 0.2, -0.6, 0.5]),
]


def _run(opt: optimizers.Optimizer, dtype=np.float64) -> list[np.ndarray]:
    p = P0.astype(dtype)
    trajectory = []
    for g in GRADS:
        opt.apply(p, g.astype(dtype))
        trajectory.append(p.copy())
    return trajectory


def _check(opt, expected):
    for got, want in zip(_run(opt), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_sgd():
    lr = 0.1
    p, expected = P0.copy(), []
    for g in GRADS:
        p = p - lr * g
        expected.append(p)
    _check(optimizers.SGD(learning_rate=lr), expected)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(nesterov):
    lr, mu, wd = 0.05, 0.9, 0.01
    p, b, expected = P0.copy(), None, []
    for g in GRADS:
        g = g + wd * p
        b = g if b is None else mu * b + g
        step = g + mu * b if nesterov else b
        p = p - lr * step
        expected.append(p)
    _check(
        optimizers.SGD(learning_rate=lr, momentum=mu, nesterov=nesterov, weight_decay=wd),
        expected,
    )


def test_adagrad():
    lr, init, eps = 0.1, 0.1, 1e-7
    p, s, expected = P0.copy(), np.full(4, init), []
    for g in GRADS:
        s = s + g * g
        p = p - lr * g / (np.sqrt(s) + eps)
        expected.append(p)
    _check(optimizers.Adagrad(learning_rate=lr), expected)


@pytest.mark.parametrize(("momentum", "centered"), [(0.0, False), (0.9, False), (0.5, True)])
def test_rmsprop(momentum, centered):
    lr, rho, eps = 0.01, 0.9, 1e-7
    p, v, avg, b, expected = P0.copy(), np.zeros(4), np.zeros(4), np.zeros(4), []
    for g in GRADS:
        v = rho * v + (1 - rho) * g * g
        v_used = v
        if centered:
            avg = rho * avg + (1 - rho) * g
            v_used = v - avg * avg
        if momentum:
            b = momentum * b + g / (np.sqrt(v_used) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(v_used) + eps)
        expected.append(p)
    _check(optimizers.RMSprop(learning_rate=lr, momentum=momentum, centered=centered), expected)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam(amsgrad):
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    p, m, v, v_max, expected = P0.copy(), np.zeros(4), np.zeros(4), np.zeros(4), []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v)
        v_hat = v_max if amsgrad else v
        denom = np.sqrt(v_hat) / math.sqrt(1 - b2**t) + eps
        p = p - lr / (1 - b1**t) * m / denom
        expected.append(p)
    _check(optimizers.Adam(learning_rate=lr, amsgrad=amsgrad), expected)


def test_adam_first_step_moves_each_weight_by_about_the_learning_rate():
    (p1, *_) = _run(optimizers.Adam(learning_rate=0.01))
    np.testing.assert_allclose(P0 - p1, 0.01 * np.sign(GRADS[0]), rtol=1e-5)


def test_adamw_decouples_weight_decay():
    lr, wd, b1, b2, eps = 0.01, 0.1, 0.9, 0.999, 1e-7
    p, m, v, expected = P0.copy(), np.zeros(4), np.zeros(4), []
    for t, g in enumerate(GRADS, start=1):
        p = p * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr / (1 - b1**t) * m / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)
        expected.append(p)
    _check(optimizers.AdamW(learning_rate=lr, weight_decay=wd), expected)


def test_clipnorm_rescales_the_global_gradient():
    opt = optimizers.SGD(learning_rate=1.0, clipnorm=0.5)
    p, g = np.zeros(2), np.array([3.0, 4.0])
    opt.apply(p, g)
    np.testing.assert_allclose(p, [-0.3, -0.4])
    p, g = np.zeros(2), np.array([0.03, 0.04])  # below the limit: untouched
    opt.apply(p, g)
    np.testing.assert_allclose(p, [-0.03, -0.04])


def test_learning_rate_is_settable_between_updates():
    opt = optimizers.SGD(learning_rate=0.1)
    p = np.zeros(1)
    opt.apply(p, np.ones(1))
    opt.learning_rate = 0.5
    opt.apply(p, np.ones(1))
    assert p[0] == pytest.approx(-0.6)
    with pytest.raises(ValueError, match="learning_rate must be a finite number"):
        opt.learning_rate = float("nan")


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        (schedules.Constant(), [0.1, 0.1, 0.1, 0.1]),
        (schedules.StepDecay(decay_steps=2, decay_rate=0.5), [0.1, 0.1, 0.05, 0.05]),
        (
            schedules.ExponentialDecay(decay_steps=2, decay_rate=0.5),
            [0.1 * 0.5 ** (t / 2) for t in range(4)],
        ),
        (
            schedules.ExponentialDecay(decay_steps=2, decay_rate=0.5, staircase=True),
            [0.1, 0.1, 0.05, 0.05],
        ),
        (
            schedules.InverseTimeDecay(decay_steps=1, decay_rate=0.5),
            [0.1 / (1 + 0.5 * t) for t in range(4)],
        ),
    ],
)
def test_schedules_drive_the_step_size(schedule, expected):
    opt = optimizers.SGD(learning_rate=0.1, schedule=schedule)
    p, seen = np.zeros(1), []
    for _ in range(4):
        before = p[0]
        assert opt.current_learning_rate == pytest.approx(expected[len(seen)])
        opt.apply(p, np.ones(1))
        seen.append(before - p[0])
    np.testing.assert_allclose(seen, expected, rtol=1e-12)


#: every branch of every update: momentum, Nesterov, centering, AMSGrad, weight decay
#: (coupled, and AdamW's decoupled one written into ``out`` first), clipping
EVERY_UPDATE = [
    ("sgd", {}),
    ("sgd", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("adagrad", {"weight_decay": 0.01, "clipnorm": 0.5}),
    ("rmsprop", {"momentum": 0.5, "centered": True}),
    ("adam", {"amsgrad": True, "weight_decay": 0.01}),
    ("adamw", {}),
    ("adamw", {"weight_decay": 0.0}),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "options"), EVERY_UPDATE)
def test_an_update_into_out_is_the_update_in_place_bit_for_bit(name, options, dtype):
    in_place = optimizers.get(name, learning_rate=0.1, **options)
    into_out = optimizers.get(name, learning_rate=0.1, **options)
    p = P0.astype(dtype)
    q = P0.astype(dtype)
    for g in GRADS:
        before = q.copy()
        out = np.full_like(q, np.nan)  # its old values must not matter
        in_place.apply(p, g.astype(dtype))
        into_out.apply(q, g.astype(dtype), out=out)
        np.testing.assert_array_equal(q, before)  # params only read
        np.testing.assert_array_equal(out, p)
        q = out
    for slot, vector in in_place.state.items():
        np.testing.assert_array_equal(into_out.state[slot], vector)


@pytest.mark.parametrize("name", OPTIMIZERS.names())
def test_float32_state_and_updates_stay_float32(name):
    opt = optimizers.get(name, learning_rate=0.01)
    trajectory = _run(opt, dtype=np.float32)
    assert all(p.dtype == np.float32 for p in trajectory)
    assert all(v.dtype == np.float32 for v in opt.state.values())
    np.testing.assert_allclose(
        trajectory[-1], _run(optimizers.get(name, learning_rate=0.01))[-1], rtol=1e-5
    )


def test_keras_names_and_defaults():
    assert optimizers.SGD().learning_rate == 0.01
    adam = optimizers.Adam()
    assert (adam.learning_rate, adam.beta_1, adam.beta_2, adam.epsilon) == (
        0.001,
        0.9,
        0.999,
        1e-7,
    )
    assert optimizers.RMSprop().rho == 0.9
    assert optimizers.Adagrad().initial_accumulator_value == 0.1
    assert optimizers.AdamW().weight_decay == 0.004
    assert optimizers.SGD.option_names() == ("momentum", "nesterov", "weight_decay")
    with pytest.raises(ValueError, match="bad options for optimizer 'adam'"):
        optimizers.get("adam", rho=0.5)
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0"):
        optimizers.SGD(nesterov=True)
    with pytest.raises(ValueError, match="decay_steps must be >= 1, got 0"):
        schedules.get("step", decay_steps=0)
