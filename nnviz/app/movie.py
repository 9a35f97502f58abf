"""File → Export → Training movie: record frames from the snapshots while training (off
by default), then save them as an animated GIF or, with imageio[ffmpeg], an MP4.

Frames are drawn with Pillow (:func:`nnviz.live.movie.snapshot_frame`) and kept on disk,
at most ``fps x length`` of them: when full, every other frame is dropped and recording
slows down by half, so any run fits the chosen length.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QMenu,
    QSpinBox,
    QWidget,
)

from nnviz.io.export import ExportError, mp4_available
from nnviz.live.movie import MovieRecorder, MovieSettings
from nnviz.live.snapshot import TrainingSnapshot

if TYPE_CHECKING:
    from nnviz.app.main_window import MainWindow


class MovieSettingsDialog(QDialog):
    """Frames per second and the longest length of the movie."""

    def __init__(self, settings: MovieSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Training movie")
        self.fps = QSpinBox(minimum=1, maximum=50, value=settings.fps, suffix=" frames/s")
        self.length = QSpinBox(minimum=2, maximum=600, value=settings.length_s, suffix=" s")
        self.length.setToolTip(
            "The longest movie: a longer run is thinned (every other frame dropped) to fit."
        )
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Frame rate:", self.fps)
        form.addRow("Length at most:", self.length)
        form.addRow(buttons)

    def settings(self) -> MovieSettings:
        return MovieSettings(fps=self.fps.value(), length_s=self.length.value())


class MovieActions(QObject):
    """The "Training movie" submenu and the recorder it drives for ``window``.

    ``report(path, error)`` tells the user what was written or what failed;
    ``choose_path(title, name, filters)`` asks where to write."""

    def __init__(
        self,
        window: MainWindow,
        report: Callable[[Path | None, Exception | None], None],
        choose_path: Callable[[str, str, str], str],
    ) -> None:
        super().__init__(window)
        self.window = window
        self._report = report
        self._choose_path = choose_path
        self.recorder: MovieRecorder | None = None
        self.settings = MovieSettings()
        self.menu = QMenu("Training &movie", window)
        self.record_action = self.menu.addAction("Record frames while training")
        self.record_action.setObjectName("recordMovie")
        self.record_action.setCheckable(True)
        self.record_action.setToolTip("Keep a frame of the boundary, weights and loss as it trains")
        self.record_action.toggled.connect(self.set_recording)
        settings_action = self.menu.addAction("Frame rate and length…")
        settings_action.triggered.connect(self._edit_settings)
        self.save_action = self.menu.addAction("Save movie…")
        self.save_action.setObjectName("saveMovie")
        self.save_action.triggered.connect(self._choose_and_save)
        self.discard_action = self.menu.addAction("Discard frames")
        self.discard_action.triggered.connect(self.discard)
        window.controller.snapshotReady.connect(self.on_snapshot)
        self._update_actions()

    @property
    def frame_count(self) -> int:
        return 0 if self.recorder is None else len(self.recorder)

    @Slot(bool)
    def set_recording(self, on: bool) -> None:
        """Start (or stop) keeping frames; frames already kept stay until discarded."""
        if on and self.recorder is None:
            self.recorder = MovieRecorder(self.window.data, self.settings)
        if self.record_action.isChecked() != on:
            self.record_action.setChecked(on)
        self._update_actions()

    @Slot(object)
    def on_snapshot(self, snapshot: TrainingSnapshot) -> None:
        if not self.record_action.isChecked() or self.recorder is None:
            return
        if snapshot.step < self.recorder.last_step:  # a reset or new data: a new movie
            self.recorder.restart(self.window.data)
        if self.recorder.offer(snapshot):
            self._update_actions()

    def set_settings(self, settings: MovieSettings) -> None:
        """New frame rate and length; frames kept so far are discarded."""
        self.settings = settings
        self.discard()

    def discard(self) -> None:
        if self.recorder is not None:
            self.recorder.close()
        self.recorder = None
        if self.record_action.isChecked():
            self.recorder = MovieRecorder(self.window.data, self.settings)
        self._update_actions()

    def save(self, path: str | Path) -> int:
        """Write the frames kept so far; returns their number (0 and a message if none)."""
        if self.recorder is None or not len(self.recorder):
            self._report(None, ExportError("no frames yet: tick 'Record frames' and train"))
            return 0
        try:
            count = self.recorder.save(path)
        except (ExportError, OSError) as exc:
            self._report(None, exc)
            return 0
        self._report(Path(path), None)
        return count

    def _choose_and_save(self) -> None:
        filters = "Animated GIF (*.gif)"
        if mp4_available():
            filters += ";;MP4 video (*.mp4)"
        path = self._choose_path("Save the training movie", "training.gif", filters)
        if path:
            self.save(path)

    def _edit_settings(self) -> None:
        dialog = MovieSettingsDialog(self.settings, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_settings(dialog.settings())

    def _update_actions(self) -> None:
        count = self.frame_count
        self.save_action.setEnabled(count > 0)
        self.discard_action.setEnabled(count > 0)
        self.save_action.setText(f"Save movie ({count} frames)…" if count else "Save movie…")
