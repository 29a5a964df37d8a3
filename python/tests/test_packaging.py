"""Packaging: the install commands of the READMEs, run exactly as written, on Debian's python3 with
no package index, and what they install (issue 15).

The commands are taken from the READMEs' marked block (``<!-- install-commands: ... -->`` followed by
a ``sh`` block), so the documentation and this test cannot drift apart. They run from the
repository root with ``HOME`` in ``tmp_path``: the venv they create under ``~`` lands there, as do
pip's cache and temporary files. Nothing here touches /dev/shm.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Optional

REPOSITORY = Path(__file__).resolve().parents[2]
PROJECT = REPOSITORY / "python"
MARKER = "<!-- install-commands:"
# A user's python3 on Debian: /usr/bin first, nothing of a pyenv or an active venv.
DEBIAN_PATH = "/usr/bin:/bin"
PREREQUISITES = "python3-venv python3-setuptools python3-wheel"
CONSOLE_SCRIPT = "zerobuffer-py"


def version() -> str:
    return (REPOSITORY / "VERSION").read_text(encoding="utf-8").strip()


def install_commands(readme: Path) -> str:
    """The ``sh`` block right after the README's install-commands marker."""
    lines = readme.read_text(encoding="utf-8").splitlines()
    markers = [i for i, line in enumerate(lines) if line.startswith(MARKER)]
    assert len(markers) == 1, "%s: expected one line starting with %r, found %d" % (readme, MARKER, len(markers))
    start = markers[0] + 1
    assert start < len(lines) and lines[start] == "```sh", "%s: the install-commands marker must be followed by a ```sh block" % readme
    end = lines.index("```", start + 1)
    return "\n".join(lines[start + 1:end]) + "\n"


def build_output(tree: Path) -> list[str]:
    """What a build leaves in the project directory: setuptools' build/ and *.egg-info."""
    return sorted(str(p.relative_to(tree)) for p in tree.rglob("*")
                  if p.is_dir() and (p.name == "build" or p.name.endswith(".egg-info")))


def tree_snapshot(tree: Path) -> set[str]:
    """Every path of the project directory except bytecode caches (written by merely importing)."""
    return {str(p.relative_to(tree)) for p in tree.rglob("*")
            if "__pycache__" not in p.parts and p.suffix != ".pyc"}


def user_environment(home: Path) -> dict[str, str]:
    """The environment of a user of a fresh machine with no PyPI, everything of theirs under ``home``."""
    inherited = {key: value for key, value in os.environ.items()
                 if not key.startswith(("PIP_", "PYTHON")) and key not in ("VIRTUAL_ENV", "HOME", "PATH", "TMPDIR")}
    scratch = home / "tmp"
    scratch.mkdir(parents=True)
    return {
        **inherited,
        "HOME": str(home),
        "PATH": DEBIAN_PATH,
        "TMPDIR": str(scratch),
        # No configuration of this machine's (a fresh machine has none) ...
        "PIP_CONFIG_FILE": os.devnull,
        # ... and no index: proves the commands need none, even where PyPI is reachable.
        "PIP_NO_INDEX": "1",
    }


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def describe(result: subprocess.CompletedProcess[str]) -> str:
    return "exit %d\n--- stdout\n%s--- stderr\n%s" % (result.returncode, result.stdout, result.stderr)


def missing_prerequisites(env: dict[str, str]) -> Optional[str]:
    """Why Debian's venv, setuptools or wheel cannot be used, or None. ensurepip is what
    python3-venv adds (Debian's python3 ships without it)."""
    probe = run(["python3", "-c", "import ensurepip, setuptools, wheel"], REPOSITORY, env)
    return None if probe.returncode == 0 else probe.stderr.strip()


def test_both_readmes_give_the_same_install_commands() -> None:
    assert install_commands(REPOSITORY / "README.md") == install_commands(PROJECT / "README.md")


def test_the_source_tree_has_the_version_of_the_version_file() -> None:
    # The tests import the package from the source tree (no metadata there): the VERSION symlink.
    import zerobuffer

    assert zerobuffer.__file__ is not None and Path(zerobuffer.__file__).resolve().is_relative_to(PROJECT.resolve())
    assert zerobuffer.__version__ == version()


def test_the_nuget_packages_take_their_version_from_the_version_file() -> None:
    props = (REPOSITORY / "Directory.Build.props").read_text(encoding="utf-8")
    assert "<Version>$([System.IO.File]::ReadAllText('$(MSBuildThisFileDirectory)VERSION').Trim())</Version>" in props
    for project in sorted(REPOSITORY.glob("**/*.csproj")):
        assert not re.search(r"<Version>", project.read_text(encoding="utf-8")), \
            "%s sets its own <Version>: the version is the VERSION file's (Directory.Build.props)" % project


def test_the_install_commands_work_as_written(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = user_environment(home)
    missing = missing_prerequisites(env)
    assert missing is None, ("Debian's %s are needed (as root: apt-get install %s; ./test.sh does it): %s"
                             % (PREREQUISITES, PREREQUISITES, missing))
    before = tree_snapshot(PROJECT)

    commands = install_commands(PROJECT / "README.md")
    result = run(["/bin/sh", "-e", "-x", "-c", commands], REPOSITORY, env)
    assert result.returncode == 0, "the README's install commands failed:\n%s" % describe(result)

    venvs = [config.parent for config in home.rglob("pyvenv.cfg")]
    assert len(venvs) == 1, "expected the commands to create one venv under HOME, found %s" % venvs
    venv = venvs[0]

    # Outside the repository, so that only the installed copy can be imported.
    probe = run([str(venv / "bin" / "python"), "-c", INSTALLED_PROBE], tmp_path, env)
    assert probe.returncode == 0, describe(probe)
    installed = json.loads(probe.stdout)
    assert Path(installed["file"]).is_relative_to(venv), "imported %s, not the venv's copy" % installed["file"]
    assert installed["version"] == version()
    assert installed["metadata_version"] == version()
    assert installed["license"] == "MIT"
    assert "License :: OSI Approved :: MIT License" in installed["classifiers"]
    assert installed["license_text"] == (REPOSITORY / "LICENSE").read_text(encoding="utf-8")
    assert installed["console_scripts"] == {CONSOLE_SCRIPT: "zerobuffer._tools.peer:main"}

    script = run([str(venv / "bin" / CONSOLE_SCRIPT), "--help"], tmp_path, env)
    assert script.returncode == 0, describe(script)
    assert script.stdout.startswith("usage: %s " % CONSOLE_SCRIPT), script.stdout

    assert build_output(PROJECT) == [], "the install left build output in the source tree"
    assert tree_snapshot(PROJECT) - before == set(), "the install left files in the source tree"


# Run by the venv's python: what the installed distribution says about itself.
INSTALLED_PROBE = """
import json
from importlib import metadata
import zerobuffer
distribution = metadata.distribution("zerobuffer")
print(json.dumps({
    "file": zerobuffer.__file__,
    "version": zerobuffer.__version__,
    "metadata_version": distribution.version,
    "license": distribution.metadata["License"],
    "classifiers": distribution.metadata.get_all("Classifier"),
    "license_text": distribution.read_text("LICENSE"),
    "console_scripts": {e.name: e.value for e in distribution.entry_points if e.group == "console_scripts"},
}))
"""
