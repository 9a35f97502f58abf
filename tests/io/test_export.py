"""CSV tables and movies written without Qt, opened again and checked value by value."""

import csv
import math

import numpy as np
import pytest
from PIL import Image

from nnviz.io import export, frames


def read(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_epoch_history_round_trips_with_empty_cells_for_missing_values(tmp_path):
    history = {
        "loss": np.array([0.7, 0.5, 0.31415926535]),
        "accuracy": np.array([0.5, 0.75, 0.9]),
        "val_loss": np.array([math.nan, math.nan, math.nan]),
        "val_accuracy": np.array([0.4, 0.6, 0.8]),
    }
    path = export.write_epoch_history_csv(tmp_path / "h.csv", history)
    header, rows = read(path)
    assert header == ["epoch", "loss", "accuracy", "val_loss", "val_accuracy"]
    assert [int(r[0]) for r in rows] == [1, 2, 3]
    assert [float(r[1]) for r in rows] == history["loss"].tolist()
    assert [r[3] for r in rows] == ["", "", ""]
    assert float(rows[2][4]) == 0.8


def test_step_history_has_every_step_and_the_smoothed_loss(tmp_path):
    losses = np.linspace(1.0, 0.1, 50)
    smoothed = losses + 0.01
    header, rows = read(export.write_step_history_csv(tmp_path / "s.csv", losses, smoothed))
    assert header == ["step", "loss", "smoothed_loss"]
    assert len(rows) == 50
    assert float(rows[0][0]) == 1 and float(rows[-1][0]) == 50
    np.testing.assert_array_equal([float(r[1]) for r in rows], losses)
    np.testing.assert_array_equal([float(r[2]) for r in rows], smoothed)


def test_confusion_matrix_rows_are_true_classes(tmp_path):
    counts = np.array([[10, 2], [3, 35]])
    header, rows = read(export.write_confusion_csv(tmp_path / "c.csv", counts, ["non-cat", "cat"]))
    assert header == ["true \\ predicted", "non-cat", "cat"]
    assert rows == [["non-cat", "10", "2"], ["cat", "3", "35"]]
    with pytest.raises(export.ExportError, match="3 classes"):
        export.write_confusion_csv(tmp_path / "bad.csv", counts, ["a", "b", "c"])


def test_columns_of_different_lengths_end_with_empty_cells(tmp_path):
    header, rows = read(export.write_columns_csv(tmp_path / "p.csv", {"x": [1, 2, 3], "y": [4]}))
    assert header == ["x", "y"]
    assert rows == [["1.0", "4.0"], ["2.0", ""], ["3.0", ""]]


def test_a_failed_write_leaves_no_file_behind(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError), export.atomic_open(target) as f:
        f.write("half")
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def frame(i, size=(64, 48)):
    rng = np.random.default_rng(i)
    return Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8))


def test_gif_is_written_frame_by_frame_and_loops(tmp_path):
    path = tmp_path / "movie.gif"
    count = export.write_gif(path, (frame(i) for i in range(7)), fps=10)
    assert count == 7
    with Image.open(path) as gif:
        assert gif.n_frames == 7
        assert gif.size == (64, 48)
        assert gif.info["loop"] == 0
        assert gif.info["duration"] == 100
        gif.seek(6)
        assert gif.convert("RGB").size == (64, 48)


def test_frame_store_keeps_at_most_max_frames_and_halves_its_rate(tmp_path):
    store = export.FrameStore(max_frames=4, folder=tmp_path / "frames")
    for i in range(9):
        if i % store.stride == 0:
            store.add(frame(i))
    # 0 1 2 3 | full: keep 0 2, stride 2 | 4 6 | full: keep 0 4, stride 4 | 8
    assert len(store) == 3
    assert store.stride == 4
    assert len(list((tmp_path / "frames").glob("*.png"))) == len(store)
    written = export.write_movie(tmp_path / "m.gif", store.frames(), fps=5)
    assert written == len(store)
    store.close()
    assert list((tmp_path / "frames").glob("*.png")) == []


def test_empty_movie_is_refused(tmp_path):
    with pytest.raises(export.ExportError, match="no frames"):
        export.write_gif(tmp_path / "m.gif", iter(()), fps=10)
    assert not (tmp_path / "m.gif").exists()


@pytest.mark.skipif(not export.mp4_available(), reason="imageio[ffmpeg] not installed")
def test_mp4_when_imageio_ffmpeg_is_installed(tmp_path):
    import imageio.v2 as imageio

    assert export.write_movie(tmp_path / "m.mp4", (frame(i, (65, 51)) for i in range(5)), 5) == 5
    reader = imageio.get_reader(tmp_path / "m.mp4")
    frames = list(reader.iter_data())  # len(reader) is unknown (inf) for ffmpeg
    assert len(frames) == 5
    assert frames[0].shape == (50, 64, 3)  # cropped to even sides for H.264
    assert reader.get_meta_data()["fps"] == 5


def test_training_frame_draws_the_boundary_weights_and_loss():
    grid = np.zeros((8, 8), dtype=np.float32)
    grid[:, 4:] = 1.0  # right half class 1 (purple), left half class 0 (orange)
    weights = [(np.array([[1.0, -2.0], [0.5, 0.0]]), np.zeros(2)), (np.ones((2, 1)), np.zeros(1))]
    image = frames.training_frame(np.linspace(1, 0.1, 100), weights, boundary=grid, size=120)
    assert image.size == (360, 144)
    left = np.asarray(image)[60, 10].astype(int)
    right = np.asarray(image)[60, 110].astype(int)
    assert left[0] > left[2]  # orange
    assert right[2] > right[1]  # purple
    assert np.asarray(image)[:120, 240:].min() < 128  # the loss curve is drawn


def test_gallery_frames_images_by_verdict():
    images = np.full((2, 8, 8, 3), 128, dtype=np.uint8)
    panel = np.asarray(frames.gallery_panel(images, [True, False], size=80))
    assert tuple(panel[2, 10]) == (0, 158, 115)
    assert tuple(panel[2, 30]) == (213, 94, 0)
