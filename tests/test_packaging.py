"""Packaging: the desktop entry, MIME type and AppStream metadata are well formed and agree;
the wheel carries the run-time resources."""

import configparser
import shutil
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from importlib import metadata

import pytest

from nnviz.io.project import SUFFIX
from tests.conftest import REPO_ROOT


def test_desktop_entry_launches_the_console_script():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(REPO_ROOT / "packaging" / "nnviz.desktop")
    section = entry["Desktop Entry"]
    scripts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert section["Exec"].split()[0] in scripts
    assert section["Type"] == "Application"
    assert (REPO_ROOT / "nnviz" / "resources" / "icons" / f"{section['Icon']}.svg").is_file()


def test_metainfo_is_valid_xml_and_points_at_the_desktop_entry():
    root = ET.parse(REPO_ROOT / "packaging" / "io.github.nnviz.nnviz.metainfo.xml").getroot()
    assert root.tag == "component"
    assert root.find("launchable").text == "nnviz.desktop"
    assert root.find("provides/binary").text == "nnviz"


def test_desktop_entry_opens_projects_of_the_defined_mime_type():
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(REPO_ROOT / "packaging" / "nnviz.desktop")
    section = entry["Desktop Entry"]
    assert section["Exec"] == "nnviz %f"
    declared = [m for m in section["MimeType"].split(";") if m]
    mime = ET.parse(REPO_ROOT / "packaging" / "nnviz-mime.xml").getroot()
    ns = "{http://www.freedesktop.org/standards/shared-mime-info}"
    types = {t.get("type"): t for t in mime.iter(f"{ns}mime-type")}
    assert declared == ["application/x-nnviz-project"]
    project_type = types["application/x-nnviz-project"]
    assert project_type.find(f"{ns}glob").get("pattern") == "*" + SUFFIX
    assert project_type.find(f"{ns}icon").get("name") == section["Icon"]


@pytest.mark.skipif(shutil.which("update-mime-database") is None, reason="no shared-mime-info")
def test_mime_definition_compiles_and_maps_the_suffix(tmp_path):
    packages = tmp_path / "mime" / "packages"
    packages.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "packaging" / "nnviz-mime.xml", packages / "nnviz.xml")
    subprocess.run(["update-mime-database", str(tmp_path / "mime")], check=True)
    globs = (tmp_path / "mime" / "globs2").read_text()
    assert f"application/x-nnviz-project:*{SUFFIX}" in globs


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli not installed")
def test_metainfo_passes_appstreamcli_validate():
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", "io.github.nnviz.nnviz.metainfo.xml"],
        cwd=REPO_ROOT / "packaging",
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _setuptools_version() -> tuple[int, ...]:
    try:
        return tuple(int(p) for p in metadata.version("setuptools").split(".")[:2])
    except metadata.PackageNotFoundError:
        return (0,)


@pytest.mark.slow
@pytest.mark.skipif(_setuptools_version() < (77,), reason="building needs setuptools >= 77")
def test_wheel_carries_the_resources_and_finds_the_icon_from_anywhere(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(REPO_ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("nnviz-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "site")
    assert "nnviz/resources/icons/nnviz.svg" in names
    assert "nnviz/resources/lessons/01_perceptron.toml" in names  # resources/lessons
    assert "nnviz/resources/lessons/data/loans.csv" in names
    assert "nnviz/app/main_window.py" in names and "nnviz/io/codegen.py" in names
    assert not any(name.startswith("tests/") for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "nnviz = nnviz.cli:main" in (tmp_path / "site" / entry_points).read_text()
    # the unpacked wheel, imported from another folder, finds its icon inside itself
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    found = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); "
            "from nnviz.resources import icon_path; print(icon_path())",
            str(tmp_path / "site"),
        ],
        cwd=elsewhere,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert found == str(tmp_path / "site" / "nnviz" / "resources" / "icons" / "nnviz.svg")


def test_the_desktop_entrys_command_line_opens_the_app_on_the_project():
    from nnviz.cli import build_parser, route

    args = build_parser().parse_args(route(["/home/me/net.nnviz"]))
    assert args.command == "gui" and str(args.project) == "/home/me/net.nnviz"
    args = build_parser().parse_args(route(["--smoke-test", "5", "net.nnviz"]))
    assert args.smoke_test == 5 and str(args.project) == "net.nnviz"
    assert build_parser().parse_args(route([])).project is None
    assert route(["train", "--epochs", "2"])[0] == "train"
