"""The desktop entry and AppStream metadata are well formed and name the real command."""

import configparser
import tomllib
import xml.etree.ElementTree as ET

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
