"""Lesson files: checking, merged step settings, conditions, and writing steps back."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nnviz.data import DataConfig, prepare
from nnviz.live import lessons
from nnviz.live.lessons import (
    Clause,
    Lesson,
    LessonError,
    boundary_is_linear,
    builtin_lessons,
    condition_met,
    lesson_to_toml,
    linear_error,
    parse_condition,
    parse_lesson,
    save_step,
    step_from_state,
)
from nnviz.live.snapshot import Boundary, TrainingSnapshot

GOOD = """
title = "Tiny"
part = 2
[[steps]]
text = "One?"
[steps.data]
kind = "points"
name = "xor"
[steps.network]
hidden = [4]
activation = "relu"
[steps.hyperparameters]
optimizer = "sgd"
learning_rate = 0.5
momentum = 0.9
batch_size = "full"
[[steps]]
text = "Two?"
speed = 5.0
[steps.network]
activation = "tanh"
[steps.hyperparameters]
l2 = 0.01
dropout = 0.2
"""


def test_later_steps_state_only_what_they_change():
    lesson = parse_lesson(GOOD, "tiny.toml")
    settings = lesson.settings_at(1)
    assert settings.data.name == "xor"
    data = prepare(settings.data)
    spec = lessons.network_spec(settings, data)
    dense = spec.dense_layers
    assert [d.units for d in dense] == [4, 1]
    assert dense[0].activation == "tanh" and dense[0].l2 == 0.01
    assert [layer.rate for layer in spec.layers if not layer.is_dense()] == [0.2]
    assert spec.optimizer.name == "sgd" and spec.optimizer.options == {"momentum": 0.9}
    assert spec.batch_size is None
    assert settings.step.speed == 5.0
    # step 1 alone: no dropout, relu
    first = lessons.network_spec(lesson.settings_at(0), data)
    assert first.dense_layers[0].activation == "relu" and len(first.layers) == 2


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("title = 3\npart = 1\n[[steps]]\ntext='a'", "tiny.toml: title: must be text"),
        ('title = "t"\npart = 9\n[[steps]]\ntext="a"', "tiny.toml: part: must be one of"),
        ('title = "t"\npart = 1', "tiny.toml: steps: missing"),
        ('title = "t"\npart = 1\n[[steps]]\nspeed = 1.0', "step 1: text: missing"),
        (
            'title = "t"\npart = 1\n[[steps]]\ntext="a"\n[[steps]]\ntext="b"\nspeed = -1.0',
            "step 2: speed: epochs per second must be above 0",
        ),
        (
            'title = "t"\npart = 1\n[[steps]]\ntext="a"\n[steps.data]\nname = "nope"',
            "step 1: data: name: unknown point set 'nope'",
        ),
        (
            'title = "t"\npart = 1\n[[steps]]\ntext="a"\n[steps.network]\nhidden = [0]',
            "step 1: network.hidden: must be a list of layer sizes",
        ),
        (
            'title = "t"\npart = 1\n[[steps]]\ntext="a"\n[steps.condition]\n'
            'when = "__import__(1)"\nmessage = "m"',
            "step 1: condition.when: cannot read",
        ),
        (
            'title = "t"\npart = 1\n[[steps]]\ntext="a"\n[steps.condition]\n'
            'when = "val_acc >= 1"\nmessage = "m"',
            "step 1: condition.when: unknown metric 'val_acc'",
        ),
        (
            'title = "t"\npart = 1\n[[steps]]\ntext="a"\n'
            'weights = [{layer = 1, kind = "X", index = [0], value = 1.0}]',
            "step 1: weights[0].kind: must be 'W' or 'b'",
        ),
        ('title = "t"\npart = 1\n[[steps]\n', "tiny.toml: not valid TOML"),
    ],
)
def test_malformed_lessons_name_the_file_the_step_and_the_key(text, named):
    with pytest.raises(LessonError) as error:
        parse_lesson(text, "/somewhere/tiny.toml")
    assert named in str(error.value)


def test_an_impossible_network_is_refused_when_applied():
    lesson = parse_lesson(
        'title = "t"\npart = 1\n[[steps]]\ntext="a?"\n[steps.network]\nactivation = "nope"',
        "t.toml",
    )
    settings = lesson.settings_at(0)
    with pytest.raises(LessonError, match="activation"):
        lessons.network_spec(settings, prepare(settings.data))


def snapshot(**history: float) -> TrainingSnapshot:
    return TrainingSnapshot(
        epoch=int(history.pop("epoch", 0)),
        history={key: np.array([value]) for key, value in history.items()},
    )


def test_conditions_compare_metrics_and_need_every_clause():
    clauses = parse_condition("val_accuracy >= 0.9 and epoch >= 50")
    assert clauses == (Clause("val_accuracy", ">=", 0.9), Clause("epoch", ">=", 50.0))
    assert condition_met(clauses, snapshot(val_accuracy=0.95, epoch=60))
    assert not condition_met(clauses, snapshot(val_accuracy=0.95, epoch=10))
    assert not condition_met(clauses, snapshot(val_accuracy=0.5, epoch=60))
    assert not condition_met(clauses, snapshot(epoch=60))  # no validation yet
    gap = parse_condition("train_val_gap >= 0.1")
    assert condition_met(gap, snapshot(accuracy=1.0, val_accuracy=0.8))
    assert not condition_met(gap, snapshot(accuracy=0.85, val_accuracy=0.8))
    diverged = parse_condition("diverged")
    assert not condition_met(diverged, snapshot())
    assert condition_met(diverged, snapshot(), diverged=True)
    assert condition_met(diverged, TrainingSnapshot(step_losses=np.array([0.5, np.nan])))


def test_the_boundary_check_tells_a_line_from_a_curve():
    g = np.linspace(-1, 1, 96)
    x, y = np.meshgrid(g, g)
    line = (0.3 * x - y + 0.2 > 0).astype(np.float32)
    circle = (x**2 + y**2 < 0.5).astype(np.float32)
    assert linear_error(line) < 0.002 and boundary_is_linear(line)
    assert linear_error(circle) > 0.1 and not boundary_is_linear(circle)
    assert boundary_is_linear(np.ones((96, 96)))  # one class everywhere
    linear = parse_condition("boundary_is_linear")
    bounds = (-1.0, 1.0, -1.0, 1.0)
    assert condition_met(linear, TrainingSnapshot(boundary=Boundary(line, bounds)))
    assert not condition_met(linear, TrainingSnapshot(boundary=Boundary(circle, bounds)))
    assert condition_met(
        parse_condition("boundary_is_curved"), TrainingSnapshot(boundary=Boundary(circle, bounds))
    )


@pytest.mark.parametrize("lesson", builtin_lessons(), ids=lambda lesson: lesson.title)
def test_every_shipped_lesson_round_trips_through_the_writer(lesson: Lesson):
    text = lesson_to_toml(lesson)
    assert parse_lesson(text, lesson.path) == lesson


def test_save_step_creates_then_appends_and_writes_data_paths_relative(tmp_path):
    csv = tmp_path / "points.csv"
    csv.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    config = DataConfig(kind="file", path=str(csv), normalization="standardize")
    data = prepare(config)
    spec = lessons.network_spec(
        replace(parse_lesson(GOOD, "g.toml").settings_at(1), data=config), data
    )
    step = step_from_state(
        "Line one\nwhat now?", config, spec, epochs=50, patience=5, speed=2.0, views=["curvesDock"]
    )
    path = tmp_path / "mine.toml"
    first = save_step(path, step, "Mine", 4)
    assert first.title == "Mine" and first.part == 4 and len(first.steps) == 1
    assert 'path = "points.csv"' in path.read_text()
    second = save_step(path, replace(step, text="Again?"))
    assert [s.text for s in second.steps] == ["Line one\nwhat now?", "Again?"]
    settings = second.settings_at(1)
    assert settings.data == config
    assert lessons.network_spec(settings, data) == spec
    assert settings.hyperparameters.epochs == 50 and settings.hyperparameters.patience == 5
    assert settings.step.speed == 2.0 and settings.step.views == ("curvesDock",)


def test_shipped_lessons_are_found_as_package_resources():
    folder = lessons.lesson_folder()
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".toml"))
    assert len(names) == 10
    assert folder.joinpath("data", "loans.csv").is_file()
