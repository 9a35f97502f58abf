"""Where each column and neuron of the diagram goes, and what its connections show.

Pure NumPy and the spec, no Qt, so the geometry is tested on its own. Scene coordinates:
columns sit left to right (input first), centred vertically on ``y = 0``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnviz.engine.spec import LayerSpec, NetworkSpec

COLUMN_GAP = 190.0  # between two neuron columns
DROPOUT_GAP = 95.0  # on each side of a dropout column
NEURON_RADIUS = 13.0
NEURON_PITCH = 34.0
COMPACT_PITCH = 30.0  # for columns of more than COMPACT_ABOVE neurons
COMPACT_ABOVE = 12
COLLAPSE_ABOVE = 20  # layers with more units are drawn as one bundle with the count
#: The units of a layer whose picture over the input plane any view draws: the diagram's
#: circles (a wider layer is a bundle) and the neuron view's first ones.
PICTURED_UNITS = COLLAPSE_ABOVE
BUNDLE_HEIGHT = 8 * NEURON_PITCH
BLOCK_HEIGHT = 150.0  # the image-input block
COLUMN_WIDTH = 2 * NEURON_RADIUS + 24.0
DROPOUT_WIDTH = 22.0
IMAGE_WIDTH = 84.0
SUMMARY_SAMPLE = 1 << 16  # weights averaged per bundle connection, at most


@dataclass(frozen=True)
class Column:
    """One column of the diagram.

    ``role`` is "input", "hidden", "output" or "dropout"; ``spec_index`` indexes
    ``spec.layers`` (None for the input) and ``dense_index`` the dense layers (the index
    used by snapshot weights and ``parameterEdited``). ``shown`` neurons are drawn as
    circles; a column with ``shown == 0`` is a bundle (or the image block)."""

    role: str
    spec_index: int | None
    dense_index: int | None
    units: int
    x: float
    shown: int
    top: float
    bottom: float
    image: bool = False

    @property
    def collapsed(self) -> bool:
        return self.shown == 0 and self.role != "dropout"

    @property
    def width(self) -> float:
        if self.image:
            return IMAGE_WIDTH
        return DROPOUT_WIDTH if self.role == "dropout" else COLUMN_WIDTH

    @property
    def movable(self) -> bool:
        """Hidden and dropout layers can be dragged, resized and removed."""
        return self.role in ("hidden", "dropout")

    @property
    def pitch(self) -> float:
        """Distance between the centres of two neurons of this column."""
        return pitch_for(self.shown)

    def neuron_y(self, unit: int) -> float:
        return (unit - (self.shown - 1) / 2) * self.pitch

    def anchor_ys(self) -> np.ndarray:
        """Y of each connection endpoint: one per drawn neuron, or one for a bundle."""
        if self.shown:
            return (np.arange(self.shown) - (self.shown - 1) / 2) * self.pitch
        return np.zeros(1)


def pitch_for(shown: int) -> float:
    return COMPACT_PITCH if shown > COMPACT_ABOVE else NEURON_PITCH


def _height(shown: int, collapsed_height: float) -> float:
    if shown == 0:
        return collapsed_height
    return (shown - 1) * pitch_for(shown) + 2 * NEURON_RADIUS


def columns_for(spec: NetworkSpec, image_input: bool = False) -> list[Column]:
    """The columns of ``spec``: input, then one per layer in spec order."""
    input_shown = 0 if image_input or spec.input_dim > COLLAPSE_ABOVE else spec.input_dim
    h = _height(input_shown, BLOCK_HEIGHT if image_input else BUNDLE_HEIGHT)
    columns = [
        Column("input", None, None, spec.input_dim, 0.0, input_shown, -h / 2, h / 2, image_input)
    ]
    last_dense = max(i for i, layer in enumerate(spec.layers) if layer.is_dense())
    x = 0.0
    dense_index = 0
    previous_dropout = False
    for i, layer in enumerate(spec.layers):
        if layer.is_dense():
            x += DROPOUT_GAP if previous_dropout else COLUMN_GAP
            shown = 0 if layer.units > COLLAPSE_ABOVE else layer.units
            h = _height(shown, BUNDLE_HEIGHT)
            role = "output" if i == last_dense else "hidden"
            columns.append(Column(role, i, dense_index, layer.units, x, shown, -h / 2, h / 2))
            dense_index += 1
            previous_dropout = False
        else:
            x += DROPOUT_GAP
            h = max(columns[-1].bottom - columns[-1].top, 2 * NEURON_RADIUS)
            columns.append(Column("dropout", i, None, 0, x, 0, -h / 2, h / 2))
            previous_dropout = True
    return columns


def dense_links(columns: list[Column]) -> list[tuple[Column, Column]]:
    """Per dense layer, (the column feeding it, its own column); dropouts pass through."""
    links = []
    source = columns[0]
    for column in columns[1:]:
        if column.role == "dropout":
            continue
        links.append((source, column))
        source = column
    return links


def fan_ins(spec: NetworkSpec) -> list[int]:
    """Inputs of each dense layer."""
    sizes = []
    size = spec.input_dim
    for layer in spec.dense_layers:
        sizes.append(size)
        size = layer.units
    return sizes


def param_count(layer: LayerSpec, fan_in: int) -> int:
    """Trainable parameters of one layer: ``fan_in * units + units`` for dense, 0 otherwise."""
    return (fan_in + 1) * layer.units if layer.is_dense() else 0


def layer_param_counts(spec: NetworkSpec) -> list[int]:
    """Parameter count of every layer in ``spec.layers`` order."""
    sizes = iter(fan_ins(spec))
    return [param_count(layer, next(sizes)) if layer.is_dense() else 0 for layer in spec.layers]


def link_values(w: np.ndarray, source_shown: int, target_shown: int) -> tuple[np.ndarray, ...]:
    """What each drawn connection of weight matrix ``w`` (inputs, units) shows.

    Returns ``(value, magnitude)``, both shaped (anchors_in, anchors_out): the weight
    itself between drawn neurons; for a bundle side, the mean weight (its sign sets the
    colour) and the root-mean-square weight (its size sets the width) over the bundle,
    estimated from at most about :data:`SUMMARY_SAMPLE` weights."""
    w = np.asarray(w)
    if source_shown and target_shown:
        return w, np.abs(w)
    if w.size > SUMMARY_SAMPLE:
        # A bundle's colour and width are estimates: a regular sample of the rows (or
        # columns) being averaged keeps a 1024x1024 layer at ~0.1 ms per snapshot.
        step = -(-w.size // SUMMARY_SAMPLE)
        w = w[::step] if not source_shown else w[:, ::step]
    if not source_shown and not target_shown:
        flat = w.ravel()
        return np.array([[flat.mean()]]), np.array([[np.sqrt(np.dot(flat, flat) / flat.size)]])
    axis = 0 if not source_shown else 1
    squares = np.einsum("ij,ij->j" if axis == 0 else "ij,ij->i", w, w)
    magnitude = np.sqrt(squares / w.shape[axis])
    value = w.mean(axis=axis)
    shape = (1, -1) if axis == 0 else (-1, 1)
    return value.reshape(shape), magnitude.reshape(shape)


def format_value(value: float) -> str:
    """A weight as a learner reads it: 3 significant digits, a real minus sign."""
    text = f"{value:.3g}"
    return text.replace("-", "−")


def format_count(count: int) -> str:
    return f"{count:,}".replace(",", "\u202f")
