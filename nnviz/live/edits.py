"""The diagram's edits as pure functions spec → spec (no Qt), with learner-readable refusals.

Each returns a new :class:`NetworkSpec` or raises :class:`EditRefused` whose message says
what is wrong and what to do instead. The view pushes the result with ``document.edit``.
"""

from __future__ import annotations

from nnviz.engine.spec import MAX_HIDDEN_LAYERS, MAX_UNITS, LayerSpec, NetworkSpec
from nnviz.engine.transition import Transition

DEFAULT_DROPOUT_RATE = 0.2


class EditRefused(ValueError):
    """An edit the network cannot take; the message is shown to the user as is."""


def output_index(spec: NetworkSpec) -> int:
    """Index in ``spec.layers`` of the output layer (the last dense layer)."""
    return max(i for i, layer in enumerate(spec.layers) if layer.is_dense())


def hidden_count(spec: NetworkSpec) -> int:
    return len(spec.dense_layers) - 1


def _check_editable(spec: NetworkSpec, index: int, what: str) -> None:
    if not 0 <= index < len(spec.layers):
        raise EditRefused(f"There is no layer {index + 1} to {what}.")
    if index == output_index(spec):
        raise EditRefused(
            f"The output layer follows the task (its size and activation are set by the "
            f"number of classes), so you cannot {what} it."
        )


def new_layer(spec: NetworkSpec, kind: str, position: int) -> LayerSpec:
    """A fresh layer for ``position``: dense layers copy the size and activation of the
    nearest hidden layer (8 tanh units when there is none); dropout drops 20%."""
    if kind == "dropout":
        return LayerSpec(kind="dropout", rate=DEFAULT_DROPOUT_RATE)
    if kind != "dense":
        raise EditRefused(f"Unknown layer kind {kind!r}: choose Dense or Dropout.")
    out = output_index(spec)
    hidden = [i for i, layer in enumerate(spec.layers) if layer.is_dense() and i != out]
    if not hidden:
        return LayerSpec(units=8, activation="tanh")
    nearest = min(hidden, key=lambda i: (abs(i - position + 0.5), i))
    template = spec.layers[nearest]
    return LayerSpec(
        units=min(template.units, 64),
        activation=template.activation,
        initializer=template.initializer,
    )


def insert_layer(spec: NetworkSpec, position: int, kind: str) -> NetworkSpec:
    """Insert a new ``kind`` layer before ``spec.layers[position]`` (never after the output)."""
    if not 0 <= position <= output_index(spec):
        raise EditRefused("New layers go between the input and the output layer.")
    if kind == "dense" and hidden_count(spec) >= MAX_HIDDEN_LAYERS:
        raise EditRefused(
            f"A network here has at most {MAX_HIDDEN_LAYERS} hidden layers. "
            "Remove one before adding another."
        )
    layers = list(spec.layers)
    layers.insert(position, new_layer(spec, kind, position))
    return spec.with_layers(layers)


def move_layer(spec: NetworkSpec, index: int, position: int) -> NetworkSpec:
    """Move ``spec.layers[index]`` so that it ends up at ``position`` (counted in the list
    without it); the output layer stays last."""
    _check_editable(spec, index, "move")
    layers = list(spec.layers)
    layer = layers.pop(index)
    position = max(0, min(position, len(layers) - 1))
    layers.insert(position, layer)
    return spec.with_layers(layers)


def remove_layer(spec: NetworkSpec, index: int) -> NetworkSpec:
    _check_editable(spec, index, "remove")
    layers = list(spec.layers)
    del layers[index]
    return spec.with_layers(layers)


def resize_layer(spec: NetworkSpec, index: int, units: int) -> NetworkSpec:
    """Give dense layer ``spec.layers[index]`` ``units`` neurons (1..MAX_UNITS)."""
    _check_editable(spec, index, "resize")
    layer = spec.layers[index]
    if not layer.is_dense():
        raise EditRefused("A dropout layer has no neurons of its own; resize a dense layer.")
    if units < 1:
        raise EditRefused(
            "A layer needs at least 1 neuron. To drop the whole layer, press Delete or drag "
            "it out of the diagram."
        )
    if units > MAX_UNITS:
        raise EditRefused(f"A layer here has at most {MAX_UNITS} neurons.")
    return spec.with_layer(index, units=int(units))


def set_layer_options(spec: NetworkSpec, index: int, **changes: object) -> NetworkSpec:
    """Change settings (activation, initializer, l1, l2, rate) of one layer. The output
    layer's activation follows the task and is refused."""
    if not 0 <= index < len(spec.layers):
        raise EditRefused(f"There is no layer {index + 1}.")
    if "activation" in changes and index == output_index(spec):
        raise EditRefused(
            "The output activation follows the task: sigmoid for two classes, softmax for "
            "more. Change the hidden layers' activations instead."
        )
    return spec.with_layer(index, **changes)


def inserted(n_layers: int, position: int) -> Transition:
    """Where the layers come from after :func:`insert_layer` at ``position``."""
    return Transition((*range(position), None, *range(position, n_layers)))


def removed(n_layers: int, index: int) -> Transition:
    """Where the layers come from after :func:`remove_layer` of ``index``."""
    return Transition((*range(index), *range(index + 1, n_layers)))


def moved(n_layers: int, index: int, position: int) -> Transition:
    """Where the layers come from after :func:`move_layer` of ``index`` to ``position``."""
    order = [i for i in range(n_layers) if i != index]
    order.insert(max(0, min(position, n_layers - 2)), index)
    return Transition(tuple(order))


def layer_sources(
    old: tuple[LayerSpec, ...], new: tuple[LayerSpec, ...]
) -> tuple[int | None, ...] | None:
    """For each layer of ``new``, the index of the ``old`` layer it comes from (None for a
    new layer), guessed for an edit that did not say (a settings panel's): the same layers
    changed in place, one layer inserted, one removed, or one moved. None when ``new`` is
    none of these."""
    n_old, n_new = len(old), len(new)
    if n_new == n_old:
        changed = sum(a != b for a, b in zip(old, new, strict=True))
        same_kinds = all(a.kind == b.kind for a, b in zip(old, new, strict=True))
        if changed <= 1 and same_kinds:
            return tuple(range(n_new))
        for i in range(n_old):
            for j in range(n_new):
                candidate = moved(n_old, i, j).layer_sources
                if all(new[k] == old[source] for k, source in enumerate(candidate)):
                    return candidate
        return tuple(range(n_new)) if same_kinds else None
    if n_new == n_old + 1:
        for p in range(n_new):
            if new[:p] == old[:p] and new[p + 1 :] == old[p:]:
                return inserted(n_old, p).layer_sources
        return None
    if n_new == n_old - 1:
        for p in range(n_old):
            if new[:p] == old[:p] and new[p:] == old[p + 1 :]:
                return removed(n_old, p).layer_sources
    return None
