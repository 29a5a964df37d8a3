"""Runs setuptools with its scratch directories (``build/``, ``zerobuffer.egg-info/``) in a temporary
directory removed when the build ends, instead of in the source tree. Everything else about the
distribution is in ``pyproject.toml``.

Why: pip (21.3 and later) builds a local directory in place, and setuptools writes its scratch
next to ``pyproject.toml``, so ``pip install ./python`` left untracked build output in the
repository; pyproject.toml and setup.cfg can only name fixed paths. setuptools' backend runs this
file with ``exec`` (no bytecode is cached next to it), and these options rank below any given on
the command line or in a configuration file.
"""

import os
import tempfile

from setuptools import setup

with tempfile.TemporaryDirectory(prefix="zerobuffer-build-") as scratch:
    setup(options={
        "build": {"build_base": os.path.join(scratch, "build")},
        "egg_info": {"egg_base": scratch},
    })
