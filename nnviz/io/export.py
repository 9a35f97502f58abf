"""Exports for slides and spreadsheets, without Qt: CSV tables (the history per epoch and
per step, the confusion matrix, any view's data) and animated GIF/MP4 movies whose frames
are streamed to disk.

CSV files use a header row, ``.`` as the decimal mark and ``repr``-exact numbers (a value
read back with ``float()`` is the value written); a missing value (no validation split) is
an empty cell. Every file is written atomically: a temporary file in the same folder, then
a rename, so a failed export never leaves half a file behind.
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
from PIL import GifImagePlugin, Image

EPOCH_COLUMNS = ("loss", "accuracy", "val_loss", "val_accuracy")


class ExportError(ValueError):
    """An export cannot be written; the message says why and what to do."""


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w") -> Iterator[IO[Any]]:
    """Open a temporary file beside ``path`` for writing; it replaces ``path`` only when
    the block ends without an error."""
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=target.parent
        )
    except OSError as exc:
        raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from exc
    try:
        newline = "" if "b" not in mode else None
        with os.fdopen(handle, mode, newline=newline) as f:
            yield f
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp made it private
        os.replace(temporary, target)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise ExportError(
            f"cannot write {target}: {exc}; check free space and permissions"
        ) from exc
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _cell(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def write_csv(
    path: str | os.PathLike[str], header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Path:
    """Write a header and rows; NaN becomes an empty cell. Returns the path written."""
    with atomic_open(path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
    return Path(path)


def write_columns_csv(path: str | os.PathLike[str], columns: Mapping[str, Sequence[float]]) -> Path:
    """One column per named series (a plot's x and y data, ...); shorter columns end with
    empty cells."""
    arrays = [np.asarray(v, dtype=np.float64).ravel() for v in columns.values()]
    length = max((len(a) for a in arrays), default=0)
    rows = ([a[i] if i < len(a) else math.nan for a in arrays] for i in range(length))
    return write_csv(path, list(columns), rows)


def write_epoch_history_csv(
    path: str | os.PathLike[str], history: Mapping[str, Sequence[float]]
) -> Path:
    """The per-epoch history: ``epoch`` (1-based) then loss, accuracy, val_loss,
    val_accuracy (the series present in ``history``, in that order, then any others)."""
    names = [k for k in EPOCH_COLUMNS if k in history]
    names += sorted(k for k in history if k not in EPOCH_COLUMNS)
    series = [np.asarray(history[k], dtype=np.float64) for k in names]
    epochs = max((len(s) for s in series), default=0)
    rows = ([i + 1, *(s[i] if i < len(s) else math.nan for s in series)] for i in range(epochs))
    return write_csv(path, ["epoch", *names], rows)


def write_step_history_csv(
    path: str | os.PathLike[str],
    step_losses: Sequence[float],
    smoothed_losses: Sequence[float] | None = None,
) -> Path:
    """The loss of every training step (1-based), and its moving average when given."""
    losses = np.asarray(step_losses, dtype=np.float64)
    columns: dict[str, Sequence[float]] = {"step": np.arange(1, len(losses) + 1), "loss": losses}
    if smoothed_losses is not None:
        columns["smoothed_loss"] = np.asarray(smoothed_losses, dtype=np.float64)
    return write_columns_csv(path, columns)


def write_confusion_csv(
    path: str | os.PathLike[str], confusion: np.ndarray, class_names: Sequence[str]
) -> Path:
    """Counts of test samples by true class (rows) and predicted class (columns)."""
    counts = np.asarray(confusion)
    k = len(class_names)
    if counts.shape != (k, k):
        raise ExportError(
            f"the confusion matrix has shape {counts.shape}, {k} classes need {(k, k)}"
        )
    header = ["true \\ predicted", *class_names]
    rows = ([name, *(int(c) for c in counts[i])] for i, name in enumerate(class_names))
    return write_csv(path, header, rows)


# -- movies ------------------------------------------------------------------------------
def mp4_available() -> bool:
    """Whether MP4 can be written (``imageio`` with its ffmpeg plugin installed)."""
    try:
        import imageio.v2  # noqa: F401
        import imageio_ffmpeg  # noqa: F401
    except ImportError:
        return False
    return True


class FrameStore:
    """Movie frames kept as numbered PNG files in a temporary folder, so memory stays
    bounded however long the run. ``max_frames`` bounds the disk too: when full, every
    other frame is dropped and :attr:`stride` doubles (the caller then keeps one frame in
    ``stride``), so a whole run always fits the movie's length."""

    def __init__(self, max_frames: int = 300, folder: str | os.PathLike[str] | None = None) -> None:
        if max_frames < 2:
            raise ExportError(f"a movie needs room for at least 2 frames, got {max_frames}")
        self.max_frames = int(max_frames)
        self._own = folder is None
        self.folder = Path(tempfile.mkdtemp(prefix="nnviz-frames-") if folder is None else folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        if self._own:  # removed with the store, or at exit at the latest
            self._finalizer = weakref.finalize(self, shutil.rmtree, self.folder, True)
        self._files: list[Path] = []
        self._counter = 0
        self.stride = 1
        self.size: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self._files)

    def add(self, frame: Image.Image) -> None:
        """Store one frame (RGB; all frames take the size of the first)."""
        frame = frame.convert("RGB")
        if self.size is None:
            self.size = frame.size
        elif frame.size != self.size:
            frame = frame.resize(self.size)
        if len(self._files) >= self.max_frames:
            for dropped in self._files[1::2]:
                dropped.unlink(missing_ok=True)
            self._files = self._files[::2]
            self.stride *= 2
        path = self.folder / f"frame{self._counter:06d}.png"
        frame.save(path, compress_level=1)
        self._files.append(path)
        self._counter += 1

    def frames(self) -> Iterator[Image.Image]:
        """The frames in order, read one at a time."""
        for path in self._files:
            with Image.open(path) as image:
                yield image.convert("RGB")

    def clear(self) -> None:
        for path in self._files:
            path.unlink(missing_ok=True)
        self._files = []
        self.stride = 1
        self.size = None

    def close(self) -> None:
        """Delete the frames (and the folder, when this store made it)."""
        self.clear()
        if self._own:
            self._finalizer()


def write_gif(path: str | os.PathLike[str], frames: Iterable[Image.Image], fps: float) -> int:
    """Write an animated GIF that loops, one frame at a time (each with its own
    256-colour palette), so only one frame is in memory. Returns the number of frames."""
    if not 0 < fps <= 100:
        raise ExportError(f"frames per second must be in (0, 100], got {fps}")
    duration = max(20, round(1000 / fps / 10) * 10)  # GIF counts in hundredths of a second
    count = 0
    with atomic_open(path, "wb") as f:
        for frame in frames:
            image = frame.convert("RGB").quantize(colors=256, dither=Image.Dither.NONE)
            if count == 0:
                header, _ = GifImagePlugin.getheader(image, None, {"loop": 0})
                for chunk in header:
                    f.write(chunk)
            for chunk in GifImagePlugin.getdata(image, duration=duration, include_color_table=True):
                f.write(chunk)
            count += 1
        if count == 0:
            raise ExportError("the movie has no frames: record some training first")
        f.write(b";")
    return count


def write_mp4(path: str | os.PathLike[str], frames: Iterable[Image.Image], fps: float) -> int:
    """Write an H.264 MP4 with imageio's ffmpeg plugin, one frame at a time. Returns the
    number of frames; :class:`ExportError` when imageio[ffmpeg] is not installed."""
    if not mp4_available():
        raise ExportError("MP4 needs imageio with ffmpeg: pip install 'imageio[ffmpeg]'")
    import imageio.v2 as imageio

    target = Path(path)
    temporary = target.with_name(f".{target.stem}.tmp{target.suffix}")
    count = 0
    try:
        writer = imageio.get_writer(temporary, fps=fps, macro_block_size=1)
        try:
            for frame in frames:
                image = frame.convert("RGB")
                # H.264 wants even sides
                even = (image.width - image.width % 2, image.height - image.height % 2)
                writer.append_data(np.asarray(image.crop((0, 0, *even))))
                count += 1
        finally:
            writer.close()
        if count == 0:
            raise ExportError("the movie has no frames: record some training first")
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return count


def write_movie(path: str | os.PathLike[str], frames: Iterable[Image.Image], fps: float) -> int:
    """A GIF or, for a ``.mp4`` path, an MP4. Returns the number of frames."""
    if Path(path).suffix.lower() == ".mp4":
        return write_mp4(path, frames, fps)
    return write_gif(path, frames, fps)
