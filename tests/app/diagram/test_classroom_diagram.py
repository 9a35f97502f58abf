"""The diagram as a class meets it: +/- buttons that stay put, readable text, hints clear
of the palette."""

from __future__ import annotations

from nnviz.engine.spec import LayerSpec, NetworkSpec

from .conftest import click, to_view


def button(view, spec_index: int, action: str):
    return next(b for b in view.diagram.buttons if (b.spec_index, b.action) == (spec_index, action))


def test_clicking_plus_again_at_the_same_place_adds_a_neuron_each_time(make_view, qtbot):
    view = make_view()
    at = to_view(view, button(view, 0, "add_unit").scenePos())
    for expected in (5, 6, 7, 8, 9, 10):
        click(view, at)
        assert view.document.spec.layers[0].units == expected
        assert (to_view(view, button(view, 0, "add_unit").scenePos()) - at).manhattanLength() <= 2
    at = to_view(view, button(view, 0, "remove_unit").scenePos())
    for expected in (9, 8, 7):
        click(view, at)
        assert view.document.spec.layers[0].units == expected
    # Once the pointer leaves the buttons, the whole network fits the view again.
    qtbot.mouseMove(
        view.viewport(), to_view(view, view.diagram.frames[0].sceneBoundingRect().center())
    )
    visible = view.mapToScene(view.viewport().rect()).boundingRect()
    assert visible.contains(view.diagram.network_rect())


def test_a_wide_network_stays_put_under_the_minus_button_too(make_view):
    spec = NetworkSpec(
        input_dim=2,
        layers=(LayerSpec(units=16, activation="relu"), LayerSpec(units=1, activation="sigmoid")),
    )
    view = make_view(spec)
    at = to_view(view, button(view, 0, "remove_unit").scenePos())
    for expected in (15, 14, 13, 12):
        click(view, at)
        assert view.document.spec.layers[0].units == expected
