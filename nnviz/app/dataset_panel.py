"""The dataset & preprocessing panel: pick a 2D set or the cat photos, how to split and
normalize them, and preview the result (the points, or sample images with their labels).

The panel only describes data (a :class:`DataConfig`); the main window prepares it and
restarts training. Edits are debounced, so dragging the noise spin box regenerates once.
"""

from __future__ import annotations

from dataclasses import replace

import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.plots.images import ImageGalleryView
from nnviz.app.plots.normalization import NormalizationView
from nnviz.app.plots.style import class_color, style_axes
from nnviz.data import AUTO, FEATURES, NORMALIZATIONS, POINT_SETS, DataConfig, PreparedData
from nnviz.data.transforms import class_balance

CAT_ENTRY = ("cat", "Cat vs non-cat photos")
FILE_ENTRY = ("file", "File or image folder…")
DEBOUNCE_MS = 250


class DatasetPanel(QWidget):
    """Emits ``configChanged(DataConfig)`` when the user changes the data settings."""

    configChanged = Signal(object)

    def __init__(self, config: DataConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = config
        self.source_combo = QComboBox()
        for name in POINT_SETS.names():
            point_set = POINT_SETS.get(name)
            self.source_combo.addItem(f"2D: {point_set.title}", name)
            self.source_combo.setItemData(
                self.source_combo.count() - 1, point_set.description, role=3
            )
        self.source_combo.addItem(CAT_ENTRY[1], CAT_ENTRY[0])
        self.source_combo.addItem(FILE_ENTRY[1], FILE_ENTRY[0])
        self.source_combo.setToolTip(
            "The data to learn from: a generated 2D point set, the cat photos, or your own file."
        )

        self.samples_spin = QSpinBox()
        self.samples_spin.setRange(4, 100_000)
        self.samples_spin.setSingleStep(50)
        self.samples_spin.setToolTip("How many points to generate; more points, slower epochs.")
        self.noise_spin = QDoubleSpinBox()
        self.noise_spin.setRange(0.0, 2.0)
        self.noise_spin.setSingleStep(0.05)
        self.noise_spin.setToolTip(
            "How far points scatter from their ideal shape; more noise "
            "makes classes overlap and the task harder."
        )
        self.data_seed_spin = QSpinBox()
        self.data_seed_spin.setRange(0, 2**31 - 1)
        self.data_seed_spin.setToolTip(
            "Seeds the generated points and the split; same seed, same data."
        )
        self.classes_spin = QSpinBox()
        self.classes_spin.setRange(2, 5)
        self.classes_spin.setToolTip(
            "Number of classes (the gaussian and spiral sets allow up to 5: a softmax output)."
        )
        self.feature_checks: dict[str, QCheckBox] = {}
        features = QGridLayout()
        for i, name in enumerate(FEATURES.names()):
            check = QCheckBox(FEATURES.get(name).label)
            check.setToolTip(f"Feed {FEATURES.get(name).label} to the network as an input.")
            self.feature_checks[name] = check
            features.addWidget(check, i // 3, i % 3)
        points_form = QFormLayout()
        points_form.addRow("Samples", self.samples_spin)
        points_form.addRow("Noise", self.noise_spin)
        points_form.addRow("Seed", self.data_seed_spin)
        points_form.addRow("Classes", self.classes_spin)
        points_form.addRow("Inputs", features)
        self.points_box = QWidget()
        self.points_box.setLayout(points_form)

        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("found automatically when present")
        self.path_edit.setToolTip(
            "Folder with train_catvnoncat.h5 and test_catvnoncat.h5 (or, for a file: an HDF5 "
            "file, a CSV file or a folder of class sub-folders)."
        )
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setToolTip("Choose the folder or file with a dialog.")
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(self.browse_button)
        self.files_box = QWidget()
        files_form = QFormLayout(self.files_box)
        files_form.addRow("Location", path_row)

        self.validation_spin = QSpinBox()
        self.validation_spin.setRange(0, 90)
        self.validation_spin.setSuffix(" %")
        self.validation_spin.setToolTip(
            "Share of the training data held out to check for overfitting after each epoch."
        )
        self.test_spin = QSpinBox()
        self.test_spin.setRange(0, 90)
        self.test_spin.setSuffix(" %")
        self.test_spin.setToolTip(
            "Share of the data kept aside for the final test (the cat photos ship their own)."
        )
        self.normalization_combo = QComboBox()
        self.normalization_combo.addItem("automatic", AUTO)
        for name in NORMALIZATIONS.names():
            self.normalization_combo.addItem(NORMALIZATIONS.get(name).title, name)
        self.normalization_combo.setToolTip(
            "Rescale the inputs (fitted on the training split only); unscaled inputs make "
            "training slow or unstable."
        )
        for combo in (self.source_combo, self.normalization_combo):
            # long item titles must not widen the narrow dock
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(12)
        common = QFormLayout()
        common.addRow("Validation", self.validation_spin)
        common.addRow("Test", self.test_spin)
        common.addRow("Normalize", self.normalization_combo)

        self.preview_stack = QStackedWidget()
        self.scatter_plot = pg.PlotWidget()
        self.scatter_plot.setAspectLocked(True)
        self.scatter_plot.setMinimumHeight(180)
        style_axes(self.scatter_plot)
        self.scatter = pg.ScatterPlotItem(size=5, pen=None)
        self.scatter_plot.addItem(self.scatter)
        self.gallery = ImageGalleryView(columns=4)
        self.gallery.setMinimumHeight(180)
        self.preview_stack.addWidget(self.scatter_plot)
        self.preview_stack.addWidget(self.gallery)
        self.stats_label = QLabel("")
        self.stats_label.setWordWrap(True)
        self.normalization_view = NormalizationView()

        layout = QVBoxLayout(self)
        layout.addWidget(self.source_combo)
        layout.addWidget(self.points_box)
        layout.addWidget(self.files_box)
        layout.addLayout(common)
        layout.addWidget(self.preview_stack, 1)
        layout.addWidget(self.stats_label)
        layout.addWidget(self.normalization_view)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_config)
        self.source_combo.currentIndexChanged.connect(self._on_source)
        for box in (
            self.samples_spin,
            self.data_seed_spin,
            self.classes_spin,
            self.validation_spin,
            self.test_spin,
        ):
            box.valueChanged.connect(self._changed)
        self.noise_spin.valueChanged.connect(self._changed)
        self.normalization_combo.currentIndexChanged.connect(self._changed)
        for check in self.feature_checks.values():
            check.toggled.connect(self._changed)
        self.path_edit.editingFinished.connect(self._changed)
        self.browse_button.clicked.connect(self._browse)
        self.show_config(config)

    @property
    def config(self) -> DataConfig:
        return self._config

    def show_config(self, config: DataConfig) -> None:
        """Mirror ``config`` in the widgets without emitting ``configChanged``."""
        self._config = config
        widgets = [
            self.source_combo,
            self.samples_spin,
            self.noise_spin,
            self.data_seed_spin,
            self.classes_spin,
            self.validation_spin,
            self.test_spin,
            self.normalization_combo,
            self.path_edit,
            *self.feature_checks.values(),
        ]
        blockers = [QSignalBlocker(w) for w in widgets]
        key = config.name if config.kind == "points" else config.kind
        self.source_combo.setCurrentIndex(max(self.source_combo.findData(key), 0))
        self.samples_spin.setValue(config.n_samples)
        self.noise_spin.setValue(config.noise)
        self.data_seed_spin.setValue(min(config.seed, 2**31 - 1))
        self.classes_spin.setValue(config.n_classes)
        chosen = set(config.features)
        for name, check in self.feature_checks.items():
            check.setChecked(name in chosen)
        self.path_edit.setText(config.path or "")
        self.validation_spin.setValue(round(100 * config.validation))
        self.test_spin.setValue(round(100 * config.test))
        self.normalization_combo.setCurrentIndex(
            max(self.normalization_combo.findData(config.normalization), 0)
        )
        del blockers
        self._update_visibility()

    def _update_visibility(self) -> None:
        kind = self._kind()
        self.points_box.setVisible(kind == "points")
        self.files_box.setVisible(kind != "points")
        self.test_spin.setEnabled(kind != "cat")
        if kind == "points":
            max_classes = POINT_SETS.get(self.source_combo.currentData()).max_classes
            self.classes_spin.setMaximum(max_classes)
            self.classes_spin.setEnabled(max_classes > 2)

    def _kind(self) -> str:
        data = self.source_combo.currentData()
        return data if data in (CAT_ENTRY[0], FILE_ENTRY[0]) else "points"

    def _on_source(self, _index: int) -> None:
        self._update_visibility()
        if self._kind() == "file" and not self.path_edit.text().strip():
            return  # wait for a location
        self._changed()

    def _changed(self, *_args: object) -> None:
        self._debounce.start()

    def _browse(self) -> None:
        if self._kind() == "file":
            path, _ = QFileDialog.getOpenFileName(
                self, "Open data", "", "Data (*.h5 *.hdf5 *.csv *.tsv *.txt);;All files (*)"
            )
        else:
            path = QFileDialog.getExistingDirectory(self, "Folder with the cat vs non-cat files")
        if path:
            self.path_edit.setText(path)
            self._changed()

    def current_config(self) -> DataConfig:
        """The config the widgets describe (not validated)."""
        kind = self._kind()
        features = tuple(n for n, c in self.feature_checks.items() if c.isChecked())
        path = self.path_edit.text().strip() or None
        return replace(
            self._config,
            kind=kind,
            name=self.source_combo.currentData() if kind == "points" else self._config.name,
            n_samples=self.samples_spin.value(),
            noise=round(self.noise_spin.value(), 4),
            seed=self.data_seed_spin.value(),
            n_classes=self.classes_spin.value() if kind == "points" else 2,
            features=features,
            path=path,
            validation=self.validation_spin.value() / 100,
            test=self.test_spin.value() / 100,
            normalization=self.normalization_combo.currentData(),
        )

    def _emit_config(self) -> None:
        self.configChanged.emit(self.current_config())

    def show_prepared(self, data: PreparedData) -> None:
        """Preview the prepared data, its split statistics and its normalization."""
        train = data.raw.train
        if data.image_shape is None and train.x.ndim == 2 and train.x.shape[1] == 2:
            self.preview_stack.setCurrentWidget(self.scatter_plot)
            brushes = [pg.mkBrush(class_color(int(c))) for c in train.y]
            self.scatter.setData(x=train.x[:, 0], y=train.x[:, 1], brush=brushes)
        elif data.image_shape is not None:
            self.preview_stack.setCurrentWidget(self.gallery)
            self.gallery.set_images(train.x, train.y, list(data.class_names), limit=24)
        parts = []
        for name, part in data.raw._asdict().items():
            if part is None:
                continue
            counts = class_balance(part.y, data.n_classes)
            balance = ", ".join(
                f"{n} {c}" for n, c in zip(counts.tolist(), data.class_names, strict=True)
            )
            parts.append(f"<b>{name}</b> {part.n_samples} ({balance})")
        inputs = (
            " × ".join(str(s) for s in data.image_shape) + f" = {data.input_dim} inputs"
            if data.image_shape
            else f"inputs: {', '.join(data.feature_names)}"
        )
        method = data.normalizer.method
        self.stats_label.setText("<br>".join([*parts, f"{inputs}; normalization: {method}"]))
        self.normalization_view.show_prepared(data)
