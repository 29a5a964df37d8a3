"""The package's version, read from the ``VERSION`` file shipped inside the package.

In the repository ``zerobuffer/VERSION`` is a symlink to the root ``VERSION``, the one version of
every package of the project (the NuGet packages read it in ``Directory.Build.props``, the
distribution's metadata in ``pyproject.toml``). Reading the file rather than the installed
metadata keeps the answer right when the package is imported from the source tree (the tests,
``PYTHONPATH=python``), where no metadata exists or another installed copy's would be found.
"""

from importlib import resources

__version__: str = resources.files("zerobuffer").joinpath("VERSION").read_text(encoding="utf-8").strip()
