"""``nnviz sweep`` end to end through nnviz.cli.main: JSON at full precision, CSV, the
options of ``nnviz train``, and clear errors with exit code 2."""

from __future__ import annotations

import csv
import json

from nnviz.cli import main
from nnviz.data import DataConfig, prepare
from nnviz.engine import Sequential
from nnviz.engine.spec import LayerSpec, NetworkSpec, OptimizerSpec

SMALL = ["--dataset", "xor", "--n-samples", "60", "--layers", "4", "--epochs", "4"]


def _sweep(capsys, *argv):
    code = main(["sweep", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_json_and_csv_of_a_learning_rate_by_batch_size_grid(capsys, tmp_path):
    path = tmp_path / "sweep.csv"
    code, out, err = _sweep(
        capsys,
        *SMALL,
        "--set",
        "lr=0.01,0.1",
        "--set",
        "batch=8,full",
        "--json",
        "--csv",
        str(path),
    )
    assert code == 0, err
    assert "cell 4/4" in err
    result = json.loads(out)
    assert result["dataset"] == "xor" and result["epochs"] == 4 and result["complete"]
    assert [s["values"] for s in result["settings"]] == [["0.01", "0.1"], ["8", "full"]]
    cell = result["cells"][2]
    assert cell["settings"] == {"lr": "0.1", "batch": "8"} and cell["index"] == [1, 0]

    # the same network trained on its own from the same seed, to the last digit
    data = prepare(DataConfig(kind="points", name="xor", n_samples=60))
    spec = NetworkSpec(
        input_dim=2,
        layers=(LayerSpec(units=4, activation="tanh"), LayerSpec(units=1, activation="sigmoid")),
        optimizer=OptimizerSpec("adam", 0.1),
        batch_size=8,
    )
    model = Sequential.from_config(spec)
    model.fit(data.x_train, data.y_train, epochs=4, batch_size=8, seed=0)
    assert cell["train_loss"] == model.evaluate(data.x_train, data.y_train)["loss"]
    assert cell["val_accuracy"] == model.evaluate(data.x_val, data.y_val)["accuracy"]

    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["lr"], r["batch"]) for r in rows] == [
        ("0.01", "8"),
        ("0.01", "full"),
        ("0.1", "8"),
        ("0.1", "full"),
    ]
    assert [float(r["train_loss"]) for r in rows] == [c["train_loss"] for c in result["cells"]]


def test_a_table_without_json_and_a_diverging_cell_marked(capsys):
    code, out, err = _sweep(
        capsys, *SMALL, "--optimizer", "sgd", "--set", "lr=0.1,500", "--epochs", "2"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == [
        "lr",
        "epochs",
        "train_loss",
        "train_accuracy",
        "val_loss",
        "val_accuracy",
        "diverged",
    ]
    assert lines[1].split()[-1] == "0" and lines[2].split()[-1] == "1"
    assert "DIVERGED" in err


def test_bad_sweeps_exit_2_saying_what_to_do(capsys, tmp_path):
    for argv, says in (
        ([], "give one or two settings to sweep"),
        (["--set", "lr"], "write --set NAME=VALUES"),
        (["--set", "lr=0.1,oops"], "'oops' is not a valid learning rate"),
        (["--set", "speed=1,2"], "cannot sweep 'speed'"),
        (["--set", "lr=0.1", "--set", "lr=0.2"], "each setting may be given once"),
        (["--set", "lr=0.1", "--save", str(tmp_path / "x.nnviz")], "saves no project"),
    ):
        code, out, err = _sweep(capsys, *SMALL, *argv)
        assert code == 2 and not out
        assert says in err and "Traceback" not in err


def test_an_unwritable_csv_exits_1_after_saying_why(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    code, _out, err = _sweep(
        capsys, *SMALL, "--set", "lr=0.1", "--epochs", "1", "--csv", str(blocker / "x.csv")
    )
    assert code == 1 and "cannot write" in err


def test_a_sweep_of_a_project_starts_from_its_initial_weights(capsys, tmp_path):
    project = tmp_path / "net.nnviz"
    assert main(["train", *SMALL, "--seed", "3", "--save", str(project)]) == 0
    capsys.readouterr()
    argv = ["--set", "lr=0.01,0.1", "--epochs", "2", "--json"]
    code, from_project, err = _sweep(capsys, "--project", str(project), *argv)
    assert code == 0, err
    code, from_options, err = _sweep(capsys, *SMALL, "--seed", "3", *argv)
    assert code == 0, err
    assert json.loads(from_project)["cells"] == json.loads(from_options)["cells"]
