"""``nnviz export``: a saved project's history, confusion matrix, code and movie written
without a window (the diagram's headless test is in tests/app, where Qt is set up)."""

import csv

import numpy as np
import pytest
from PIL import Image

from nnviz.cli import main
from nnviz.data import prepare
from nnviz.engine import Sequential, Trainer
from nnviz.io.project import Project, save_project
from nnviz.live import presets


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("project")
    config = presets.data_config("xor")
    data = prepare(config)
    spec = presets.network_spec(config).for_task(data.input_dim, data.n_classes)
    model = Sequential.from_config(spec)
    trainer = Trainer(
        model,
        data.x_train,
        data.y_train,
        batch_size=spec.batch_size,
        validation_data=(data.x_val, data.y_val),
    )
    history = trainer.fit(4).history
    path = folder / "xor.nnviz"
    save_project(
        path,
        Project(spec, tuple(model.get_weights()), history=history, data=config.to_dict()),
    )
    return path, model, data, history


def read(path):
    with open(path, newline="") as f:
        table = list(csv.reader(f))
    return table[0], table[1:]


def test_history_and_confusion(project, tmp_path, capsys):
    path, model, data, history = project
    code = main(
        [
            "export",
            str(path),
            "--history",
            str(tmp_path / "h.csv"),
            "--confusion",
            str(tmp_path / "c.csv"),
        ]
    )
    assert code == 0
    assert capsys.readouterr().out.split() == [str(tmp_path / "h.csv"), str(tmp_path / "c.csv")]
    header, rows = read(tmp_path / "h.csv")
    assert header == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    np.testing.assert_array_equal([float(r[1]) for r in rows], history["loss"])
    _, rows = read(tmp_path / "c.csv")
    counts = np.array([[int(v) for v in r[1:]] for r in rows])
    predicted = (model.predict(data.x_test)[:, 0] > 0.5).astype(int)
    assert np.trace(counts) == np.count_nonzero(predicted == data.y_test)
    assert counts.sum() == len(data.y_test)


def test_code_for_both_frameworks(project, tmp_path):
    path, model, _, _ = project
    torch_script, keras_script = tmp_path / "xor_torch.py", tmp_path / "xor_keras.py"
    assert (
        main(["export", str(path), "--pytorch", str(torch_script), "--keras", str(keras_script)])
        == 0
    )
    for script in (torch_script, keras_script):
        compile(script.read_text(), str(script), "exec")
    with np.load(tmp_path / "xor_torch_weights.npz") as f:
        np.testing.assert_array_equal(f["W1"], model.get_weights()[0])


def test_movie_of_further_training(project, tmp_path):
    path, *_ = project
    out = tmp_path / "m.gif"
    args = ["export", str(path), "--movie", str(out), "--movie-steps", "40"]
    assert main([*args, "--fps", "2", "--length", "5"]) == 0
    with Image.open(out) as gif:
        assert 5 <= gif.n_frames <= 10
        assert gif.info["duration"] == 500


def test_errors_are_one_line_and_write_nothing(tmp_path, capsys):
    assert main(["export", str(tmp_path / "missing.nnviz"), "--history", "h.csv"]) == 1
    assert "no such file" in capsys.readouterr().err
    assert main(["export", str(tmp_path / "missing.nnviz")]) == 2
    assert list(tmp_path.iterdir()) == []
