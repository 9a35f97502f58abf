"""Training movies without Qt: a frame from a snapshot, and a recorder that keeps frames
on disk (bounded) and writes a GIF or MP4. The app's recorder and ``nnviz export --movie``
both use it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from nnviz.data import PreparedData
from nnviz.io import export, frames
from nnviz.live.session import TrainingSession
from nnviz.live.snapshot import TrainingSnapshot

DEFAULT_FPS = 10
DEFAULT_LENGTH_S = 20


def snapshot_frame(snapshot: TrainingSnapshot, data: PreparedData) -> Image.Image:
    """One movie frame: the boundary (2D data) or test images, the weights, the loss."""
    weights = [(np.asarray(w), np.asarray(b)) for w, b in snapshot.weights]
    boundary = None if snapshot.boundary is None else snapshot.boundary.grid
    images = correct = None
    if boundary is None and data.raw.test is not None and data.image_shape is not None:
        images = data.raw.test.x[:16]
        if snapshot.test_predictions is not None:
            correct = list(snapshot.test_predictions[:16] == data.raw.test.y[:16])
    caption = f"epoch {snapshot.epoch}, step {snapshot.step}"
    return frames.training_frame(
        snapshot.step_losses, weights, boundary, images, correct, caption=caption
    )


@dataclass(frozen=True)
class MovieSettings:
    """Frames per second of the movie and its longest length in seconds (older frames
    are thinned so that a whole run fits)."""

    fps: int = DEFAULT_FPS
    length_s: int = DEFAULT_LENGTH_S

    @property
    def max_frames(self) -> int:
        return max(2, self.fps * self.length_s)


class MovieRecorder:
    """Keeps one frame in ``store.stride`` of the snapshots it is offered (memory and disk
    bounded by ``settings.max_frames``)."""

    def __init__(self, data: PreparedData, settings: MovieSettings | None = None) -> None:
        self.data = data
        self.settings = settings or MovieSettings()
        self.store = export.FrameStore(self.settings.max_frames)
        self._offered = 0
        self.last_step = -1

    def __len__(self) -> int:
        return len(self.store)

    def offer(self, snapshot: TrainingSnapshot) -> bool:
        """Record ``snapshot`` if training moved on and it is this stride's turn."""
        if snapshot.step <= self.last_step or not snapshot.weights:
            return False
        self.last_step = snapshot.step
        turn = self._offered % self.store.stride == 0
        self._offered += 1
        if turn:
            self.store.add(snapshot_frame(snapshot, self.data))
        return turn

    def restart(self, data: PreparedData | None = None) -> None:
        """Forget the frames (a new run, new data)."""
        self.data = data or self.data
        self.store.clear()
        self._offered = 0
        self.last_step = -1

    def save(self, path: str | os.PathLike[str]) -> int:
        """Write the movie (GIF, or MP4 for a ``.mp4`` path); returns the frame count."""
        return export.write_movie(path, self.store.frames(), self.settings.fps)

    def close(self) -> None:
        self.store.close()


def record_training(
    session: TrainingSession,
    path: str | os.PathLike[str],
    steps: int,
    settings: MovieSettings | None = None,
) -> int:
    """Train ``session`` for ``steps`` steps, one frame every ``steps / max_frames`` steps,
    and write the movie to ``path``; returns the number of frames."""
    settings = settings or MovieSettings()
    recorder = MovieRecorder(session.data, settings)
    every = max(1, steps // settings.max_frames)
    try:
        recorder.offer(session.snapshot())
        for step in range(1, steps + 1):
            session.step()
            if step % every == 0 or step == steps:
                recorder.offer(session.snapshot())
        return recorder.save(Path(path))
    finally:
        recorder.close()
