"""Loading data from files: the cat vs non-cat HDF5 pair, any HDF5 file with a sample
array and a label vector, a folder of images with one sub-folder per class, and CSV.

Every loader checks everything before returning and raises :class:`DatasetError` naming
the file, what is wrong and what was expected; no partial dataset leaks out.
"""

from __future__ import annotations

import array
import csv
import io
import itertools
import math
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nnviz.data.dataset import Dataset, DatasetError

if TYPE_CHECKING:
    import h5py

CAT_FILES = {"train": "train_catvnoncat.h5", "test": "test_catvnoncat.h5"}
CAT_SUBDIR = "catvnoncat"
HDF5_SUFFIXES = (".h5", ".hdf5", ".he5", ".hdf")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
MAX_CLASSES = 1000
#: Size limits, so a huge or endless file gets a message instead of exhausting memory.
#: Arrays are limited by their size as float64 numbers, the form they are trained in.
MAX_CSV_BYTES = 64 * 2**20
MAX_ARRAY_BYTES = 2**30
MAX_IMAGE_PIXELS = 4096 * 4096


# -- where the cat files live -----------------------------------------------------------
def user_data_dir() -> Path:
    """nnviz's data folder for this platform: Linux ``$XDG_DATA_HOME/nnviz/data``
    (``~/.local/share/nnviz/data``), macOS ``~/Library/Application Support/nnviz/data``,
    Windows ``%APPDATA%\\nnviz\\data``."""
    if sys.platform.startswith("win"):
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "nnviz" / "data"


def cat_search_dirs(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """Folders searched for the cat files, in order: the folder the user named (only that
    one when given), else ``$NNVIZ_DATA_DIR`` and the user data folder; each also with
    its ``catvnoncat`` sub-folder."""
    if explicit is not None:
        bases = [Path(explicit).expanduser()]
    else:
        env = os.environ.get("NNVIZ_DATA_DIR")
        bases = [Path(env).expanduser()] if env else []
        bases.append(user_data_dir())
    return [folder for base in bases for folder in (base, base / CAT_SUBDIR)]


def find_cat_dir(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The first searched folder holding both cat files, or None."""
    for folder in cat_search_dirs(explicit):
        if all((folder / name).is_file() for name in CAT_FILES.values()):
            return folder
    return None


def missing_cat_message(explicit: str | os.PathLike[str] | None = None) -> str:
    """Which files to put where, for when the cat files are not found."""
    names = " and ".join(CAT_FILES.values())
    places = ", ".join(str(folder) for folder in cat_search_dirs(explicit)[::2])
    hint = "" if explicit is not None else " (or set NNVIZ_DATA_DIR, or name a folder)"
    return (
        f"cat vs non-cat files not found: put {names} in one of: {places}, "
        f"or in a '{CAT_SUBDIR}' sub-folder of it{hint}"
    )


def load_catvnoncat(folder: str | os.PathLike[str] | None = None) -> tuple[Dataset, Dataset]:
    """The cat vs non-cat (train, test) sets: uint8 (m, 64, 64, 3) images, 1 = cat."""
    found = find_cat_dir(folder)
    if found is None:
        raise DatasetError(missing_cat_message(folder))
    sets = []
    for part, file_name in CAT_FILES.items():
        data = load_hdf5(found / file_name, f"{part}_set_x", f"{part}_set_y")
        sets.append(
            Dataset(
                f"cat vs non-cat ({part})",
                data.x,
                data.y,
                data.class_names,
                data.feature_names,
                data.image_shape,
                {"kind": "cat", "path": str(found), "part": part},
            )
        )
    train, test = sets
    if train.class_names != test.class_names or train.image_shape != test.image_shape:
        raise DatasetError(
            f"{found}: the train and test files disagree (classes {train.class_names} vs "
            f"{test.class_names}, images {train.image_shape} vs {test.image_shape})"
        )
    return train, test


# -- checks shared by the loaders -------------------------------------------------------
def human_size(nbytes: int) -> str:
    """``nbytes`` in words: "512 bytes", "64.00 MiB", "2.00 GiB"."""
    value = float(nbytes)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024:
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.2f} {unit}"
        value /= 1024
    return f"{value:.2f} TiB"


def _not_regular(where: object, mode: int, expected: str) -> DatasetError:
    if stat.S_ISDIR(mode):
        kind = "a folder"
    elif stat.S_ISFIFO(mode):
        kind = "a named pipe (FIFO)"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        kind = "a device"
    else:
        kind = "a socket or other special file"
    return DatasetError(f"{where}: this is {kind}, not a regular file; expected {expected}")


def _regular_size(path: Path, expected: str) -> int:
    """The size of ``path`` after checking, without opening it, that it is (or links to) a
    regular file: pipes and devices would block or never end."""
    try:
        status = path.stat()
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read this file ({exc.strerror or exc})") from None
    if not stat.S_ISREG(status.st_mode):
        raise _not_regular(path, status.st_mode, expected)
    return status.st_size


def _samples(where: str, x: np.ndarray) -> np.ndarray:
    """Check a sample array: numeric, (m, n) or (m, h, w, c), non-empty, finite."""
    if x.dtype.kind not in "biuf":
        raise DatasetError(f"{where}: samples must be numbers, got dtype {x.dtype}")
    if x.ndim == 3:  # (m, h, w) grayscale images
        x = x[..., np.newaxis]
    if x.ndim not in (2, 4):
        raise DatasetError(
            f"{where}: samples must be (m, features) or (m, height, width, channels), "
            f"got shape {x.shape}"
        )
    if x.shape[0] == 0 or x.size == 0:
        raise DatasetError(f"{where}: no samples (shape {x.shape}); expected at least one")
    if x.dtype.kind == "f" and not np.isfinite(x).all():
        bad = int(np.count_nonzero(~np.isfinite(x)))
        raise DatasetError(f"{where}: {bad} sample value(s) are NaN or Inf; expected numbers")
    if x.dtype == np.uint8 and x.ndim == 4:
        return x
    return x.astype(np.float64)


def _labels(where: str, y: np.ndarray, m: int, n_classes: int | None) -> np.ndarray:
    """Check labels: one integer 0..k-1 per sample; k = n_classes or max + 1 (>= 2)."""
    if y.ndim == 2 and 1 in y.shape:
        y = y.reshape(-1)
    if y.ndim != 1:
        raise DatasetError(f"{where}: labels must be a vector (m,), got shape {y.shape}")
    if y.shape[0] != m:
        raise DatasetError(f"{where}: {m} samples but {y.shape[0]} labels; expected one each")
    if y.dtype.kind not in "biuf":
        raise DatasetError(f"{where}: labels must be integers, got dtype {y.dtype}")
    if y.dtype.kind == "f" and not (np.isfinite(y).all() and np.array_equal(y, np.round(y))):
        raise DatasetError(f"{where}: labels must be whole numbers 0..k-1, found {y[:5]}")
    labels = y.astype(np.int64)
    high = n_classes if n_classes is not None else max(int(labels.max()) + 1, 2)
    found = np.unique(labels)
    # Without class names, k is inferred from the labels, so a missing class means the
    # labels are numbered some other way (e.g. 1..k or -1/1).
    gaps = n_classes is None and found.size != high
    if labels.min() < 0 or labels.max() >= high or high > MAX_CLASSES or gaps:
        raise DatasetError(
            f"{where}: labels must be 0..{min(high, MAX_CLASSES) - 1}, found {found[:10].tolist()}"
            f"{' ...' if found.size > 10 else ''}; renumber the classes from 0"
        )
    return labels


def _build(
    where: str,
    name: str,
    x: np.ndarray,
    y: np.ndarray,
    class_names: Sequence[str] | None,
    feature_names: Sequence[str] | None,
    source: dict[str, object],
) -> Dataset:
    x = _samples(where, x)
    labels = _labels(where, y, x.shape[0], len(class_names) if class_names else None)
    k = len(class_names) if class_names else max(int(labels.max()) + 1, 2)
    names = tuple(class_names) if class_names else tuple(f"class {j}" for j in range(k))
    image_shape = (int(x.shape[1]), int(x.shape[2]), int(x.shape[3])) if x.ndim == 4 else None
    if feature_names is None:
        feature_names = () if image_shape else tuple(f"x{j + 1}" for j in range(x.shape[1]))
    return Dataset(name, x, labels, names, tuple(feature_names), image_shape, source)


# -- HDF5 -------------------------------------------------------------------------------
def _guess_keys(where: str, keys: list[str]) -> tuple[str, str]:
    for x_key, y_key in (("X", "y"), ("x", "y"), ("X", "Y"), ("x", "Y")):
        if x_key in keys and y_key in keys:
            return x_key, y_key
    pairs = [(k, k[:-1] + "y") for k in keys if k.lower().endswith("_x")]
    pairs = [(xk, yk) for xk, yk in pairs if yk in keys or yk[:-1] + "Y" in keys]
    if len(pairs) == 1:
        x_key, y_key = pairs[0]
        return x_key, y_key if y_key in keys else y_key[:-1] + "Y"
    raise DatasetError(
        f"{where}: cannot tell which arrays hold the samples and labels (found {keys}); "
        f"expected X and y, or one *_x / *_y pair, or name them (x_key, y_key)"
    )


def load_hdf5(
    path: str | os.PathLike[str], x_key: str | None = None, y_key: str | None = None
) -> Dataset:
    """An HDF5 file holding a sample array (``x_key``) and a label vector (``y_key``);
    guesses ``X``/``y``, ``x``/``y`` or one ``*_x``/``*_y`` pair when they are not named.
    ``list_classes`` (bytes or strings), when present, names the classes."""
    import h5py

    path = Path(path)
    where = str(path)
    size = _regular_size(path, "an HDF5 file (.h5)")
    try:
        with h5py.File(path, "r") as f:
            keys = sorted(k for k in f if _stored_here(f, k) is h5py.Dataset)
            if x_key is None or y_key is None:
                guess_x, guess_y = _guess_keys(where, keys)
                x_key, y_key = x_key or guess_x, y_key or guess_y
            for key in (x_key, y_key):
                if _stored_here(f, key) is not h5py.Dataset:
                    raise DatasetError(f"{where}: no array named {key!r}; the file holds {keys}")
            x = _read_array(where, f[x_key], size, "samples", "numbers", MAX_ARRAY_BYTES)
            y = _read_array(where, f[y_key], size, "labels", "integers", MAX_ARRAY_BYTES)
            classes = None
            if "list_classes" in keys:
                classes = _read_array(
                    where, f["list_classes"], size, "list_classes", "class names", 2**20, "SOiu"
                )
    except DatasetError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, MemoryError) as exc:
        raise DatasetError(
            f"{where}: not a readable HDF5 file ({exc}); expected an HDF5 file (.h5) "
            f"that is complete, e.g. not truncated by an interrupted download"
        ) from None
    class_names = _class_names(where, classes)
    source = {"kind": "hdf5", "path": str(path), "x_key": x_key, "y_key": y_key}
    return _build(where, path.name, x, y, class_names, None, source)


def _stored_here(f: h5py.File, key: str) -> type | None:
    """The class (Dataset, Group) of ``f[key]``, or None for links to other files."""
    import h5py

    if isinstance(f.get(key, getlink=True), h5py.ExternalLink):
        return None
    return f.get(key, getclass=True)


def _read_array(
    where: str,
    dataset: h5py.Dataset,
    file_size: int,
    what: str,
    expected: str,
    limit: int,
    kinds: str = "biuf",
) -> np.ndarray:
    """Read an HDF5 dataset after checking its dtype, and its declared size against
    ``limit`` and (when stored uncompressed) against the file's own size."""
    import h5py

    dtype, shape = dataset.dtype, dataset.shape
    plain = dtype.kind in kinds and not dtype.fields and not dtype.subdtype
    if dtype.kind == "O":
        plain = plain and h5py.check_string_dtype(dtype) is not None
    if not plain:
        raise DatasetError(f"{where}: {what} must be {expected}, got dtype {dtype}")
    if dataset.external or dataset.is_virtual:
        raise DatasetError(
            f"{where}: the {what} array is stored in other files; save it inside this file"
        )
    if shape is None:
        raise DatasetError(f"{where}: the {what} array holds nothing; expected {expected}")
    count = int(np.prod(shape, dtype=object))
    nbytes = count * dtype.itemsize
    if count * 8 > limit:
        raise DatasetError(
            f"{where}: the {what} array is {shape} of {dtype}, {human_size(count * 8)} as "
            f"numbers to train on; nnviz reads arrays of up to {human_size(limit)}; save a "
            f"subset or smaller images"
        )
    if dataset.chunks is None and nbytes > file_size:
        raise DatasetError(
            f"{where}: the {what} array declares {shape} of {dtype} ({human_size(nbytes)}), "
            f"more than the whole file holds ({human_size(file_size)}); the file is damaged"
        )
    return np.asarray(dataset[()])


def _class_names(where: str, classes: object) -> list[str] | None:
    if classes is None:
        return None
    values = np.asarray(classes).reshape(-1)
    names = [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]
    if len(names) < 2:
        raise DatasetError(f"{where}: list_classes must name at least 2 classes, got {names}")
    return names


# -- image folders ----------------------------------------------------------------------
def load_image_folder(
    path: str | os.PathLike[str], size: tuple[int, int] | None = (64, 64)
) -> Dataset:
    """A folder with one sub-folder of PNG/JPEG images per class (sub-folder names, sorted,
    are the class names). Images are decoded with Pillow as RGB and resized to ``size``
    (height, width); with ``size=None`` they are kept as they are and must all match."""
    root = Path(path)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder; expected a folder of class sub-folders")
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if len(classes) < 2:
        raise DatasetError(
            f"{root}: found {len(classes)} class sub-folder(s); expected one sub-folder of "
            f"PNG/JPEG images per class (at least 2), e.g. {root}/cat/1.png, {root}/other/2.png"
        )
    images: list[np.ndarray] = []
    labels: list[int] = []
    total = 0
    for label, folder in enumerate(classes):
        files = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and not p.is_dir()
        )
        if not files:
            raise DatasetError(f"{folder}: no PNG or JPEG images in this class folder")
        for file in files:
            array = _read_image(file, size)
            total += 8 * array.size
            if total > MAX_ARRAY_BYTES:
                raise DatasetError(
                    f"{root}: the images take more than {human_size(MAX_ARRAY_BYTES)} as "
                    f"numbers to train on; choose a smaller image size or fewer images"
                )
            if images and array.shape != images[0].shape:
                raise DatasetError(
                    f"{file}: image is {array.shape[1]}x{array.shape[0]} but earlier ones are "
                    f"{images[0].shape[1]}x{images[0].shape[0]}; images must share one size "
                    f"(or choose a size to resize them to)"
                )
            images.append(array)
            labels.append(label)
    source = {"kind": "images", "path": str(root), "size": list(size) if size else None}
    return _build(
        str(root),
        root.name,
        np.stack(images),
        np.array(labels),
        [p.name for p in classes],
        None,
        source,
    )


def _read_image(file: Path, size: tuple[int, int] | None) -> np.ndarray:
    """One image as uint8 RGB ``(height, width, 3)``, resized to ``size`` when given."""
    from PIL import Image

    _regular_size(file, "a PNG or JPEG image")
    try:
        with Image.open(file) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise DatasetError(
                    f"{file}: the image is {width}x{height} pixels; nnviz reads images of up "
                    f"to {MAX_IMAGE_PIXELS // 10**6} million pixels; shrink it first"
                )
            rgb = image.convert("RGB")
            if size is not None:
                rgb = rgb.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            return np.asarray(rgb, dtype=np.uint8)
    except DatasetError:
        raise
    except Exception as exc:  # a broken file makes Pillow raise many kinds of error
        raise DatasetError(
            f"{file}: cannot read this image ({type(exc).__name__}: {exc}); "
            "expected a PNG or JPEG file"
        ) from None


# -- CSV --------------------------------------------------------------------------------
def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def load_csv(path: str | os.PathLike[str], label_column: str | int | None = None) -> Dataset:
    """A CSV file of numeric columns and one label column (default: the last). A first row
    with any non-numeric cell is a header. Labels are integers 0..k-1 or class names
    (text labels become classes in sorted order). ``label_column`` is a header name or a
    column index (negative counts from the end)."""
    path = Path(path)
    where = str(path)
    data = _read_bytes(path)
    try:
        sample = _text(data).read(4096)
    except UnicodeDecodeError as exc:
        raise _not_utf8(where, exc) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = _csv_rows(where, data, dialect)
    first, second = next(rows, None), next(rows, None)
    if first is None:
        raise DatasetError(f"{where}: the file is empty; expected rows of numbers and a label")
    header: list[str] | None = None
    pending = [first] if second is None else [first, second]
    below = second[1] if second is not None else [""] * len(first[1])
    # A header has text where the data below has numbers (or text everywhere).
    if all(_number(cell) is None for cell in first[1]) or any(
        _number(a) is None and _number(b) is not None for a, b in zip(first[1], below, strict=False)
    ):
        header = [cell.strip() for cell in first[1]]
        pending = pending[1:]
    if not pending:
        raise DatasetError(f"{where}: no data rows below the header")
    width = len(header) if header else len(pending[0][1])
    if width < 2:
        raise DatasetError(f"{where}: expected at least one feature column and a label column")
    column = _label_index(where, header, width, label_column)
    table = array.array("d")  # 8 bytes a number, not a Python float in a list
    label_text: list[str] = []
    for line, row in itertools.chain(pending, rows):
        if len(row) != width:
            raise DatasetError(
                f"{where}, line {line}: {len(row)} columns, expected {width} like the first row"
            )
        for j, cell in enumerate(row):
            if j == column:
                label_text.append(cell.strip())
                continue
            value = _number(cell)
            if value is None or not math.isfinite(value):
                name = header[j] if header else f"column {j + 1}"
                what = "not a number" if value is None else "NaN or Inf"
                raise DatasetError(f"{where}, line {line}, {name}: {cell!r} is {what}")
            table.append(value)
    class_names = None
    try:
        y = np.array(label_text, dtype=np.float64)  # parses each text as float() does
    except ValueError:
        class_names = sorted(set(label_text))
        index = {name: i for i, name in enumerate(class_names)}
        y = np.array([index[t] for t in label_text])
        if len(class_names) < 2:
            raise DatasetError(f"{where}: labels name only one class {class_names}") from None
    features = None
    if header:
        features = [h for j, h in enumerate(header) if j != column]
    source = {"kind": "csv", "path": str(path), "label_column": label_column}
    x = np.frombuffer(table, dtype=np.float64).reshape(len(label_text), width - 1)
    return _build(where, path.name, x, y, class_names, features, source)


def _read_bytes(path: Path) -> bytes:
    """The bytes of a CSV file, refusing pipes, devices and files over the size limit."""
    expected = "a CSV file of numbers"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DatasetError(f"{path}: no such file") from None
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read this CSV file ({exc.strerror or exc})") from None
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise _not_regular(path, status.st_mode, expected)
        if status.st_size > MAX_CSV_BYTES:
            raise DatasetError(
                f"{path}: the file is {human_size(status.st_size)}; nnviz reads CSV files of up "
                f"to {human_size(MAX_CSV_BYTES)}; use a sample of its rows, or save the data as "
                f"an HDF5 file with X and y arrays"
            )
        try:
            data = handle.read(MAX_CSV_BYTES + 1)
        except OSError as exc:
            raise DatasetError(f"{path}: cannot read this CSV file ({exc})") from None
    if len(data) > MAX_CSV_BYTES:
        raise DatasetError(f"{path}: the file grew past {human_size(MAX_CSV_BYTES)} while read")
    return data


def _text(data: bytes) -> io.TextIOWrapper:
    """``data`` as UTF-8 text lines, decoded as they are read (no copy of the whole)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline=None)


def _not_utf8(where: str, exc: UnicodeDecodeError) -> DatasetError:
    return DatasetError(f"{where}: cannot read this CSV file ({exc}); save it as UTF-8")


def _csv_rows(
    where: str, data: bytes, dialect: type[csv.Dialect] | csv.Dialect
) -> Iterator[tuple[int, list[str]]]:
    """The non-empty rows of ``data`` with their line numbers, read as needed."""
    reader = csv.reader(_text(data), dialect)
    try:
        for row in reader:
            if row:
                yield reader.line_num, row
    except UnicodeDecodeError as exc:
        raise _not_utf8(where, exc) from None
    except csv.Error as exc:
        raise _csv_error(where, data, reader.line_num, dialect.delimiter, exc) from None


def _csv_error(where: str, data: bytes, line: int, delimiter: str, exc: csv.Error) -> DatasetError:
    """A CSV parse error with its line and, for an over-long cell, its column."""
    limit = csv.field_size_limit()
    if "field larger than field limit" not in str(exc):
        return DatasetError(f"{where}, line {line}: not a readable CSV row ({exc})")
    raw = next(itertools.islice(_text(data), line - 1, None), "")
    cells = raw.split(delimiter)
    long = [j for j, cell in enumerate(cells, 1) if len(cell) > limit]
    column = f", column {long[0]}" if long else ""
    return DatasetError(
        f"{where}, line {line}{column}: a cell of more than {limit} characters; expected "
        f"numbers and class names (is this a CSV table?)"
    )


def _label_index(
    where: str, header: list[str] | None, width: int, label_column: str | int | None
) -> int:
    if label_column is None:
        return width - 1
    if isinstance(label_column, str) and header and label_column in header:
        return header.index(label_column)
    try:
        index = int(label_column)
    except ValueError:
        raise DatasetError(
            f"{where}: no column named {label_column!r}; columns are {header or list(range(width))}"
        ) from None
    if not -width <= index < width:
        raise DatasetError(f"{where}: label column {index} is out of range for {width} columns")
    return index % width


# -- by path ----------------------------------------------------------------------------
def load_path(
    path: str | os.PathLike[str],
    *,
    x_key: str | None = None,
    y_key: str | None = None,
    label_column: str | int | None = None,
    size: tuple[int, int] | None = (64, 64),
) -> Dataset:
    """Load ``path`` by what it is: a folder of class sub-folders, an HDF5 file
    (.h5/.hdf5) or a CSV file (.csv/.tsv/.txt)."""
    path = Path(path).expanduser()
    if path.is_dir():
        return load_image_folder(path, size)
    if not path.exists():
        raise DatasetError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in HDF5_SUFFIXES:
        return load_hdf5(path, x_key, y_key)
    if suffix in CSV_SUFFIXES:
        return load_csv(path, label_column)
    raise DatasetError(
        f"{path}: unsupported file type {suffix or '(none)'!r}; expected an HDF5 file "
        f"({', '.join(HDF5_SUFFIXES)}), a CSV file ({', '.join(CSV_SUFFIXES)}) or a folder "
        f"with one sub-folder of images per class"
    )
