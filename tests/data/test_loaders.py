"""File loaders: the cat layout, HDF5, image folders, CSV, and every kind of bad input."""

from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from nnviz.data import (
    DatasetError,
    cat_search_dirs,
    find_cat_dir,
    load_catvnoncat,
    load_csv,
    load_hdf5,
    load_image_folder,
    load_path,
    user_data_dir,
)
from tests.data.conftest import write_cat_layout


def _h5(path: Path, **arrays) -> Path:
    with h5py.File(path, "w") as f:
        for key, value in arrays.items():
            f[key] = value
    return path


# -- the real cat files and the cat layout ----------------------------------------------
def test_real_cat_files(cat_data_dir):
    train, test = load_catvnoncat(cat_data_dir)
    assert train.x.shape == (209, 64, 64, 3) and train.x.dtype == np.uint8
    assert test.x.shape == (50, 64, 64, 3)
    assert np.bincount(train.y).tolist() == [137, 72]  # 72 cats, 137 non-cats
    assert np.bincount(test.y).tolist() == [17, 33]  # 33 cats, 17 non-cats
    assert train.class_names == ("non-cat", "cat") and train.image_shape == (64, 64, 3)
    assert train.source == {"kind": "cat", "path": str(cat_data_dir), "part": "train"}


def test_small_cat_layout_loads(cat_layout):
    train, test = load_catvnoncat(cat_layout)
    assert train.x.shape == (10, 8, 8, 3) and test.x.shape == (6, 8, 8, 3)
    with h5py.File(cat_layout / "train_catvnoncat.h5") as f:
        np.testing.assert_array_equal(train.x, f["train_set_x"][()])


def test_cat_search_order(tmp_path, monkeypatch):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr("sys.platform", "linux")
    assert user_data_dir() == tmp_path / "xdg" / "nnviz" / "data"
    assert cat_search_dirs() == [
        tmp_path / "env",
        tmp_path / "env" / "catvnoncat",
        tmp_path / "xdg" / "nnviz" / "data",
        tmp_path / "xdg" / "nnviz" / "data" / "catvnoncat",
    ]
    assert find_cat_dir() is None
    write_cat_layout(tmp_path / "xdg" / "nnviz" / "data" / "catvnoncat")
    assert find_cat_dir() == tmp_path / "xdg" / "nnviz" / "data" / "catvnoncat"
    write_cat_layout(tmp_path / "env")
    assert find_cat_dir() == tmp_path / "env"  # NNVIZ_DATA_DIR comes first
    # A named folder is the only place searched.
    assert find_cat_dir(tmp_path / "elsewhere") is None


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("darwin", Path("Library") / "Application Support" / "nnviz" / "data"),
        ("win32", Path("AppData") / "Roaming" / "nnviz" / "data"),
    ],
)
def test_user_data_dir_per_platform(monkeypatch, tmp_path, platform, expected):
    monkeypatch.setattr("sys.platform", platform)
    monkeypatch.setattr(Path, "home", lambda: tmp_path)
    monkeypatch.delenv("APPDATA", raising=False)
    assert user_data_dir() == tmp_path / expected
    if platform == "win32":
        monkeypatch.setenv("APPDATA", str(tmp_path / "roam"))
        assert user_data_dir() == tmp_path / "roam" / "nnviz" / "data"


def test_missing_cat_files_say_which_files_to_put_where(tmp_path):
    (tmp_path / "train_catvnoncat.h5").write_bytes(b"")  # only one of the pair
    with pytest.raises(DatasetError) as info:
        load_catvnoncat(tmp_path)
    message = str(info.value)
    assert "train_catvnoncat.h5 and test_catvnoncat.h5" in message
    assert str(tmp_path) in message and "catvnoncat' sub-folder" in message


def test_missing_cat_files_without_a_folder_mention_the_search(tmp_path, monkeypatch):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "env"))
    with pytest.raises(DatasetError, match="NNVIZ_DATA_DIR") as info:
        load_catvnoncat()
    assert str(tmp_path / "env") in str(info.value) and str(user_data_dir()) in str(info.value)


def test_truncated_cat_file(cat_layout):
    path = cat_layout / "test_catvnoncat.h5"
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DatasetError, match=r"test_catvnoncat\.h5: not a readable HDF5 file"):
        load_catvnoncat(cat_layout)


# -- HDF5 -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("X", "y"), ("X", "y")),
        (("x", "y"), ("x", "y")),
        (("train_x", "train_y"), ("train_x", "train_y")),
    ],
)
def test_hdf5_key_guessing(tmp_path, keys, expected):
    x = np.arange(12.0).reshape(6, 2)
    path = _h5(tmp_path / "d.h5", **{keys[0]: x, keys[1]: np.array([0, 1, 2, 0, 1, 2])})
    data = load_hdf5(path)
    np.testing.assert_array_equal(data.x, x)
    assert data.n_classes == 3 and data.feature_names == ("x1", "x2")
    assert (data.source["x_key"], data.source["y_key"]) == expected


def test_hdf5_named_keys_and_float_labels(tmp_path):
    path = _h5(tmp_path / "d.h5", samples=np.ones((4, 3)), target=np.array([0.0, 1.0, 1.0, 0.0]))
    data = load_hdf5(path, "samples", "target")
    assert data.y.tolist() == [0, 1, 1, 0] and data.y.dtype == np.int64


def test_hdf5_grayscale_images_get_a_channel(tmp_path):
    path = _h5(tmp_path / "g.h5", X=np.zeros((3, 5, 4), np.uint8), y=np.array([0, 1, 0]))
    data = load_hdf5(path)
    assert data.x.shape == (3, 5, 4, 1) and data.image_shape == (5, 4, 1)


def test_hdf5_column_labels_are_accepted(tmp_path):
    path = _h5(tmp_path / "c.h5", X=np.zeros((3, 2)), y=np.array([[0], [1], [1]]))
    assert load_hdf5(path).y.tolist() == [0, 1, 1]


BAD_HDF5 = {
    "missing keys": (
        {"a": np.zeros((3, 2)), "b": np.zeros(3)},
        "cannot tell which arrays hold the samples and labels",
    ),
    "mismatched lengths": ({"X": np.zeros((3, 2)), "y": np.zeros(4)}, "3 samples but 4 labels"),
    "wrong rank": ({"X": np.zeros((3, 2, 2, 2, 2)), "y": np.zeros(3)}, "got shape"),
    "rank 1 samples": ({"X": np.zeros(3), "y": np.zeros(3)}, r"\(m, features\)"),
    "labels not a vector": (
        {"X": np.zeros((3, 2)), "y": np.zeros((3, 2))},
        "labels must be a vector",
    ),
    "non-numeric samples": (
        {"X": np.array([b"a", b"b"]), "y": np.zeros(2)},
        "samples must be numbers",
    ),
    "non-numeric labels": (
        {"X": np.zeros((2, 2)), "y": np.array([b"a", b"b"])},
        "labels must be integers",
    ),
    "NaN": ({"X": np.array([[0.0, np.nan], [1, 2]]), "y": np.array([0, 1])}, "NaN or Inf"),
    "Inf": ({"X": np.array([[0.0, np.inf], [1, 2]]), "y": np.array([0, 1])}, "NaN or Inf"),
    "negative labels": ({"X": np.zeros((2, 2)), "y": np.array([-1, 1])}, "labels must be 0..1"),
    "fractional labels": ({"X": np.zeros((2, 2)), "y": np.array([0.5, 1])}, "whole numbers"),
    "empty": ({"X": np.zeros((0, 2)), "y": np.zeros(0)}, "no samples"),
    "labels beyond list_classes": (
        {"X": np.zeros((2, 2)), "y": np.array([0, 2]), "list_classes": np.array([b"a", b"b"])},
        r"labels must be 0\.\.1, found \[0, 2\]",
    ),
}


@pytest.mark.parametrize("case", BAD_HDF5)
def test_bad_hdf5_files(tmp_path, case):
    arrays, message = BAD_HDF5[case]
    path = _h5(tmp_path / "bad.h5", **arrays)
    with pytest.raises(DatasetError, match=message) as info:
        load_hdf5(path)
    assert str(path) in str(info.value)


def test_named_key_missing(tmp_path):
    path = _h5(tmp_path / "d.h5", X=np.zeros((2, 2)), y=np.zeros(2))
    with pytest.raises(DatasetError, match=r"no array named 'images'; the file holds \['X', 'y'\]"):
        load_hdf5(path, x_key="images")


def test_not_hdf5(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("hello, I am a text file")
    with pytest.raises(DatasetError, match=r"notes\.h5: not a readable HDF5 file"):
        load_hdf5(path)
    with pytest.raises(DatasetError, match="no such file"):
        load_hdf5(tmp_path / "absent.h5")


# -- image folders ----------------------------------------------------------------------
def _image(path: Path, size=(10, 6), color=(255, 0, 0), mode="RGB") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)


def test_image_folder_loads_resized_rgb(tmp_path):
    _image(tmp_path / "cat" / "a.png", color=(255, 0, 0))
    _image(tmp_path / "cat" / "b.jpg", size=(30, 30), color=(0, 255, 0))
    _image(tmp_path / "dog" / "c.PNG", mode="L", color=128)
    (tmp_path / "dog" / "notes.txt").write_text("ignored")
    data = load_image_folder(tmp_path, size=(4, 5))
    assert data.x.shape == (3, 4, 5, 3) and data.x.dtype == np.uint8
    assert data.class_names == ("cat", "dog") and data.y.tolist() == [0, 0, 1]
    assert data.x[0, 0, 0].tolist() == [255, 0, 0]
    assert data.x[2, 0, 0].tolist() == [128, 128, 128]
    assert load_path(tmp_path, size=(4, 5)).x.shape == (3, 4, 5, 3)


def test_image_folder_mixed_sizes_without_resizing(tmp_path):
    _image(tmp_path / "a" / "1.png", size=(4, 4))
    _image(tmp_path / "b" / "2.png", size=(5, 4))
    with pytest.raises(DatasetError, match=r"2\.png: image is 5x4 but earlier ones are 4x4"):
        load_image_folder(tmp_path, size=None)


def test_image_folder_unreadable_image(tmp_path):
    _image(tmp_path / "a" / "1.png")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "broken.jpg").write_bytes(b"\xff\xd8 not really a jpeg")
    with pytest.raises(DatasetError, match=r"broken\.jpg: cannot read this image"):
        load_image_folder(tmp_path)


def test_image_folder_layout_errors(tmp_path):
    _image(tmp_path / "only" / "1.png")
    with pytest.raises(DatasetError, match="found 1 class sub-folder"):
        load_image_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DatasetError, match="empty: no PNG or JPEG images"):
        load_image_folder(tmp_path)
    with pytest.raises(DatasetError, match="not a folder"):
        load_image_folder(tmp_path / "nope")


# -- CSV --------------------------------------------------------------------------------
def test_csv_with_header_and_named_label(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("label,w,h\n1,0.5,2\n0,1.5,-3\n\n1,2,4e1\n")
    data = load_csv(path, label_column="label")
    np.testing.assert_array_equal(data.x, [[0.5, 2], [1.5, -3], [2, 40]])
    assert data.y.tolist() == [1, 0, 1] and data.feature_names == ("w", "h")


def test_csv_without_header_uses_last_column_and_text_labels(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("1;2;versicolor\n3;4;setosa\n5;6;versicolor\n")
    data = load_csv(path)
    assert data.class_names == ("setosa", "versicolor") and data.y.tolist() == [1, 0, 1]
    assert data.feature_names == ("x1", "x2")
    assert load_path(path).x.shape == (3, 2)


BAD_CSV = {
    "ragged": ("a,b,y\n1,2,0\n3,1\n", "line 3: 2 columns, expected 3"),
    "text value": ("a,b,y\n1,2,0\n3,x,1\n", "line 3, b: 'x' is not a number"),
    "NaN": ("1,2,0\n3,nan,1\n", "line 2, column 2: 'nan' is NaN or Inf"),
    "empty": ("", "the file is empty"),
    "header only": ("a,b,y\n", "no data rows"),
    "one column": ("y\n1\n0\n", "at least one feature column"),
    "bad labels": ("1,2,1\n3,4,2\n", r"labels must be 0\.\.2, found \[1, 2\]|renumber"),
    "negative labels": ("1,2,-1\n3,4,1\n", "renumber the classes from 0"),
    "one text class": ("1,2,a\n3,4,a\n", "only one class"),
    "unknown label column": ("a,b,y\n1,2,0\n3,4,1\n", "no column named 'z'"),
}


@pytest.mark.parametrize("case", BAD_CSV)
def test_bad_csv_files(tmp_path, case):
    text, message = BAD_CSV[case]
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DatasetError, match=message) as info:
        load_csv(path, label_column="z" if case == "unknown label column" else None)
    assert str(path) in str(info.value)


def test_load_path_rejects_unknown_types(tmp_path):
    path = tmp_path / "data.xlsx"
    path.write_text("x")
    with pytest.raises(DatasetError, match=r"unsupported file type '\.xlsx'; expected an HDF5"):
        load_path(path)
    with pytest.raises(DatasetError, match="no such file or folder"):
        load_path(tmp_path / "missing.csv")
