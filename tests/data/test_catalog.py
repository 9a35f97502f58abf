"""``nnviz datasets``: the catalog of point sets, cat files and file formats."""

import argparse
import json

from nnviz.data.catalog import add_arguments, catalog, run


def _run(capsys, *argv):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args(list(argv))) == 0
    return capsys.readouterr().out


def test_lists_point_sets_and_found_cat_files(capsys, cat_data_dir):
    out = _run(capsys, "--data-dir", str(cat_data_dir))
    for name in ("circle", "xor", "gaussian", "spiral", "moons", "flower"):
        assert f"  {name} " in out
    assert "2-5 classes (--n-classes)" in out
    assert f"found in {cat_data_dir}: 209 train and 50 test images, 64x64x3" in out
    assert "x1²" in out and "standardize" in out


def test_says_which_files_to_put_where_when_missing(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("NNVIZ_DATA_DIR", str(tmp_path / "env"))
    out = _run(capsys)
    assert "not found: put train_catvnoncat.h5 and test_catvnoncat.h5 in one of:" in out
    assert f"    {tmp_path / 'env'}\n" in out
    assert "NNVIZ_DATA_DIR" in out


def test_reports_unreadable_cat_files(capsys, cat_layout):
    (cat_layout / "test_catvnoncat.h5").write_bytes(b"garbage")
    out = _run(capsys, "--data-dir", str(cat_layout))
    assert f"found in {cat_layout} but unreadable" in out and "not a readable HDF5" in out


def test_json_output(capsys, cat_layout):
    info = json.loads(_run(capsys, "--json", "--data-dir", str(cat_layout)))
    assert info == json.loads(json.dumps(catalog(str(cat_layout))))
    assert info["cat"]["found"] == str(cat_layout)
    assert (info["cat"]["train"], info["cat"]["test"]) == (10, 6)
    assert info["points"]["spiral"]["classes"] == [2, 5]
    assert info["points"]["circle"]["classes"] == [2, 2]


def test_nnviz_datasets_command(capsys, cat_layout):
    from nnviz.cli import main

    assert main(["datasets", "--data-dir", str(cat_layout)]) == 0
    out = capsys.readouterr().out
    assert f"found in {cat_layout}: 10 train and 6 test images, 8x8x3" in out
