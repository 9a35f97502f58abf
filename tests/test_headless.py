"""``nnviz train`` end to end: in-process through nnviz.cli.main, and as a subprocess for
exit codes and the absence of tracebacks."""

import io
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from PIL import Image

from nnviz.cli import main
from nnviz.data import make_points
from nnviz.headless import Progress
from nnviz.live.presets import DEFAULT_HIDDEN
from tests.data.conftest import write_cat_layout

HIDDEN = "-".join(str(units) for units in DEFAULT_HIDDEN)
SMALL = ["--n-samples", "60", "--epochs", "5", "--layers", "4"]


def _train(capsys, *argv):
    code = main(["train", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _json(capsys, *argv):
    code, out, err = _train(capsys, *argv, "--json")
    assert code == 0, err
    assert out.count("\n") == 1  # one JSON object on one line
    return json.loads(out)


def test_json_metrics_for_a_point_set(capsys):
    result = _json(capsys, "--dataset", "xor", *SMALL)
    assert result["dataset"] == "xor" and result["network"] == "2-4-1"
    assert result["parameters"] == 2 * 4 + 4 + 4 + 1 and result["epochs"] == 5
    assert (result["train_samples"], result["val_samples"], result["test_samples"]) == (36, 12, 12)
    for split in ("train", "val", "test"):
        assert 0 <= result[f"{split}_accuracy"] <= 1 and result[f"{split}_loss"] > 0


def test_runs_are_reproducible_and_seeded(capsys):
    def metrics(*extra):
        result = _json(capsys, "--dataset", "moons", *SMALL, *extra)
        return {k: v for k, v in result.items() if k != "seconds"}

    assert metrics("--seed", "3") == metrics("--seed", "3")
    assert metrics("--seed", "3") != metrics("--seed", "4")


def test_spiral_is_learned(capsys):
    result = _json(
        capsys,
        "--dataset", "spiral", "--noise", "0.05", "--n-samples", "300", "--layers", "16,16",
        "--activation", "tanh", "--lr", "0.02", "--epochs", "400", "--batch-size", "full",
        "--validation", "0", "--test", "0",
    )  # fmt: skip
    assert result["train_accuracy"] >= 0.9
    assert "val_loss" not in result and "test_loss" not in result


def test_k_classes_get_a_softmax_output(capsys):
    result = _json(capsys, "--dataset", "gaussian", "--n-classes", "4", *SMALL)
    assert result["network"] == "2-4-4"


def test_features_widen_the_input(capsys):
    result = _json(capsys, "--dataset", "circle", "--features", "x1,x2,x1^2,x2^2", *SMALL)
    assert result["network"] == "4-4-1"


def test_summary_and_progress(capsys):
    code, out, err = _train(capsys, "--dataset", "circle", *SMALL, "--epochs", "20")
    assert code == 0
    assert out.startswith("dataset circle, network 2-4-1 (17 parameters), 20 epochs in")
    assert "  train      loss " in out and "  validation loss " in out and "(12 samples)" in out
    lines = err.splitlines()
    assert [line.split()[1] for line in lines] == [f"{n}/20" for n in range(2, 21, 2)]
    assert "val_accuracy" in lines[-1]


def test_progress_bar_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    stream = Terminal()
    progress = Progress(3, stream)
    for epoch in range(3):
        progress.on_epoch_end(epoch, {"loss": 0.5, "accuracy": 0.75})
    text = stream.getvalue()
    assert text.startswith("\repoch 1/3 [##########--------------------] loss 0.5000")
    assert text.endswith(
        "\repoch 3/3 [##############################] loss 0.5000  accuracy 0.7500\n"
    )


def test_real_cat_files(capsys, cat_data_dir):
    result = _json(
        capsys, "--dataset", "cat", "--data-dir", str(cat_data_dir), "--layers", "20,7,5",
        "--epochs", "2", "--batch-size", "full", "--validation", "0",
    )  # fmt: skip
    assert result["network"] == "12288-20-7-5-1"
    assert (result["train_samples"], result["test_samples"]) == (209, 50)


def test_cat_layout_with_validation(capsys, tmp_path):
    folder = write_cat_layout(tmp_path / "cats", m_train=20, m_test=6)
    result = _json(capsys, "--dataset", "cat", "--data-dir", str(folder), "--epochs", "1")
    assert result["network"] == f"192-{HIDDEN}-1"
    assert (result["train_samples"], result["val_samples"], result["test_samples"]) == (16, 4, 6)


def _csv(path, n=60):
    points = make_points("moons", n_samples=n)
    lines = ["a,b,label"] + [
        f"{p[0]},{p[1]},{label}" for p, label in zip(points.x, points.y, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_data_path_csv_hdf5_and_image_folder(capsys, tmp_path):
    csv_result = _json(capsys, "--data", str(_csv(tmp_path / "m.csv")), "--epochs", "2")
    assert csv_result["network"] == f"2-{HIDDEN}-1" and csv_result["dataset"].endswith("m.csv")

    with h5py.File(tmp_path / "d.h5", "w") as f:
        f["X"] = np.random.default_rng(0).normal(size=(30, 5))
        f["y"] = np.arange(30) % 3
    h5_result = _json(capsys, "--data", str(tmp_path / "d.h5"), "--epochs", "2")
    assert h5_result["network"] == f"5-{HIDDEN}-3"

    for label, color in enumerate(((255, 0, 0), (0, 0, 255))):
        folder = tmp_path / "images" / f"class{label}"
        folder.mkdir(parents=True)
        for i in range(5):
            Image.new("RGB", (12, 9), color).save(folder / f"{i}.png")
    image_result = _json(
        capsys, "--data", str(tmp_path / "images"), "--size", "6x4", "--epochs", "2",
        "--test", "0.2", "--validation", "0.2",
    )  # fmt: skip
    assert image_result["network"] == f"72-{HIDDEN}-1"
    assert image_result["train_samples"] == 6


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--layers", "20,x"], "expected hidden-layer sizes like 20,7,5"),
        (
            ["--layers", "0"],
            "for a network without hidden layers (logistic regression) write --layers none",
        ),
        (["--layers", "4,0"], "every hidden layer needs at least 1 unit"),
        (["--batch-size", "0"], "expected a whole number >= 1 or 'full'"),
        (["--epochs", "-1"], "expected a whole number >= 0"),
        (["--dtype", "float16"], "invalid choice"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as info:
        main(["train", *argv])
    err = capsys.readouterr().err
    assert info.value.code == 2 and message in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--dataset", "donut"], "name: unknown point set 'donut'"),
        (["--dataset", "circle", "--n-classes", "3"], "n_classes: must be from 2 to 2"),
        (["--activation", "relu6"], "unknown choice 'relu6'"),
        (["--optimizer", "adam", "--momentum", "0.9"], "momentum"),
        (["--lr", "0"], "optimizer.learning_rate"),
        (["--features", "x1,z"], "features: unknown feature 'z'"),
        (["--normalize", "zscore"], "normalization: unknown choice 'zscore'"),
        (["--validation", "0.5", "--test", "0.5"], "validation"),
        (["--dataset", "xor", "--data", "x.csv"], "either --dataset or --data"),
    ],
)
def test_impossible_settings_exit_2(capsys, argv, message):
    code, out, err = _train(capsys, *argv, "--epochs", "1")
    assert code == 2 and out == ""
    assert err.startswith("nnviz train: error: ") and message in err and err.count("\n") == 1


def test_bad_data_and_divergence_exit_1(capsys, tmp_path):
    (tmp_path / "bad.csv").write_text("a,b,y\n1,2,0\n3,4\n")
    code, _, err = _train(capsys, "--data", str(tmp_path / "bad.csv"))
    assert code == 1 and "line 3: 2 columns, expected 3" in err
    code, _, err = _train(capsys, "--dataset", "cat", "--data-dir", str(tmp_path))
    assert code == 1 and "put train_catvnoncat.h5 and test_catvnoncat.h5" in err
    code, _, err = _train(
        capsys, "--dataset", "circle", "--optimizer", "sgd", "--lr", "1000",
        "--activation", "linear", "--epochs", "50",
    )  # fmt: skip
    assert code == 1 and "training diverged" in err and "smaller learning rate" in err
    assert err.splitlines()[-1].startswith("nnviz train: error: training diverged")


def _subprocess(*argv):
    return subprocess.run(
        [sys.executable, "-m", "nnviz", "train", *argv], capture_output=True, text=True, timeout=60
    )


def test_subprocess_exit_codes_without_traceback(tmp_path):
    ok = _subprocess("--dataset", "xor", *SMALL, "--json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["dataset"] == "xor"
    (tmp_path / "junk.h5").write_bytes(b"not hdf5 at all")
    bad_file = _subprocess("--data", str(tmp_path / "junk.h5"))
    assert bad_file.returncode == 1 and "Traceback" not in bad_file.stderr
    assert (
        bad_file.stderr.strip().count("\n") == 0 and "not a readable HDF5 file" in bad_file.stderr
    )
    bad_arg = _subprocess("--layers", "a,b")
    assert bad_arg.returncode == 2 and "Traceback" not in bad_arg.stderr


def test_headless_train_does_not_load_qt():
    code = (
        "import sys; from nnviz.cli import main; "
        "main(['train', '--dataset', 'xor', '--n-samples', '20', '--epochs', '1', '--json']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("[]")


def test_a_saved_project_continues_exactly(capsys, tmp_path):
    """10 epochs, save, 10 more from the project == 20 straight (Adam, dropout)."""
    common = ["--dataset", "moons", "--n-samples", "80", "--layers", "6,4", "--seed", "2"]
    first = tmp_path / "first.nnviz"
    _json(capsys, *common, "--epochs", "10", "--save", str(first))
    continued = _json(capsys, "--project", str(first), "--epochs", "10")
    straight = _json(capsys, *common, "--epochs", "20")
    for key in ("train_loss", "val_loss", "test_loss", "train_accuracy", "steps_total"):
        assert continued[key] == straight[key], key
    assert continued["epochs_total"] == 20


def test_a_missing_project_is_one_line_and_exit_1(capsys, tmp_path):
    code, _out, err = _train(capsys, "--project", str(tmp_path / "none.nnviz"))
    assert code == 1 and err.count("\n") == 1 and "no such file" in err


def test_no_hidden_layer_is_said_plainly(capsys):
    code, out, _ = _train(capsys, "--dataset", "circle", *SMALL, "--layers", "none")
    assert code == 0
    assert out.startswith(
        "dataset circle, network 2-1, no hidden layer (logistic regression) (3 parameters)"
    )
    assert _json(capsys, "--dataset", "circle", *SMALL, "--layers", "4")["hidden_layers"] == 1


def test_pipe_and_device_as_data_fail_fast_in_a_subprocess(tmp_path):
    """A FIFO would block a reader forever: the timeout makes a regression fail, not hang."""
    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    for path, kind in ((fifo, "a named pipe (FIFO)"), (tmp_path / "zero.csv", "a device")):
        result = subprocess.run(
            [sys.executable, "-m", "nnviz", "train", "--data", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert result.stderr == (
            f"nnviz train: error: {path}: this is {kind}, not a regular file; "
            "expected a CSV file of numbers\n"
        )


def test_huge_csv_and_long_cell_exit_1_with_a_message(capsys, tmp_path):
    sparse = tmp_path / "big.csv"
    with open(sparse, "wb") as f:
        f.truncate(2 * 2**30)
    code, _, err = _train(capsys, "--data", str(sparse))
    assert code == 1 and "the file is 2.00 GiB; nnviz reads CSV files of up to" in err
    long = tmp_path / "long.csv"
    long.write_text("a,b,y\n1,2,0\n3," + "9" * 200_000 + ",1\n")
    code, _, err = _train(capsys, "--data", str(long))
    assert code == 1 and "long.csv, line 3, column 2: a cell of more than" in err
