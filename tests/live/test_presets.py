"""The app and ``nnviz train`` start from the same presets."""

import argparse

import pytest

from nnviz.headless import add_arguments, data_config, network_spec
from nnviz.live import presets


def test_cli_defaults_are_the_app_presets():
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args([])
    config = data_config(args)
    app_config = presets.data_config()
    assert (config.kind, config.name, config.n_samples, config.noise) == (
        app_config.kind,
        app_config.name,
        app_config.n_samples,
        app_config.noise,
    )
    cli_spec = network_spec(args)
    app_spec = presets.network_spec(app_config).for_task(2, 2)
    assert cli_spec.layers == app_spec.layers
    assert cli_spec.optimizer == app_spec.optimizer
    assert cli_spec.batch_size == app_spec.batch_size


def test_unknown_dataset_names_the_choices():
    with pytest.raises(presets.PresetError, match="choose 'cat' or one of: circle"):
        presets.data_config("nope")


def test_cat_preset_is_the_course_network():
    spec = presets.network_spec(presets.data_config("cat")).for_task(12288, 2)
    assert [layer.units for layer in spec.dense_layers] == [20, 7, 5, 1]
    assert spec.dtype == "float32"
