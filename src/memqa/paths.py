"""Where memqa looks for its project folder (``corpus/``, ``index/``, ``eval/``) when no path is given.

In order: ``--home`` (or ``home=``), the ``MEMQA_HOME`` environment variable, the source checkout the
package runs from (the folder holding ``pyproject.toml`` and ``corpus/`` next to ``src/memqa``), else
the current directory. So ``memqa ask`` works from any folder with a checkout, and an installed
package (a deployment) points ``MEMQA_HOME`` at its data or runs from the folder that holds it. ``MEMQA_INDEX`` / ``MEMQA_CORPUS``
and the ``--index`` / ``--corpus`` flags still override single folders. Pure: no imports beyond pathlib.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "MEMQA_HOME"


@dataclass(frozen=True)
class Home:
    """The project folder and how it was found (errors name both)."""

    path: Path
    source: str  # "--home", "MEMQA_HOME", "source checkout", "current directory"

    def __str__(self) -> str:
        return f"{self.path} (from {self.source})"


def checkout() -> Path | None:
    """The source checkout this package runs from (``<root>/src/memqa``), if it is one."""
    root = Path(__file__).resolve().parent.parent.parent
    if (root / "pyproject.toml").is_file() and (root / "corpus").is_dir():
        return root
    return None


def find_home(home: str | os.PathLike | None = None, cwd: Path | None = None,
              environ: dict | None = None) -> Home:
    """The project folder (see the module docstring); the current directory when nothing else fits.

    >>> find_home("/srv/memqa").path
    PosixPath('/srv/memqa')
    >>> find_home(environ={"MEMQA_HOME": "/data/memqa"}).source
    'MEMQA_HOME'
    """
    env = os.environ if environ is None else environ
    here = Path.cwd() if cwd is None else cwd
    if home:
        return Home(Path(home).expanduser().resolve(), "--home")
    if env.get(HOME_ENV):
        return Home(Path(env[HOME_ENV]).expanduser().resolve(), HOME_ENV)
    if (root := checkout()) is not None:
        return Home(root, "source checkout")
    return Home(here.resolve(), "current directory")


def resolve(flag: str | os.PathLike | None, env_name: str, home: Home, default: str,
            environ: dict | None = None) -> Path:
    """A folder or file: the flag, else ``$env_name``, else ``home/default`` — always absolute.

    >>> str(resolve(None, "MEMQA_INDEX", Home(Path("/srv/memqa"), "--home"), "index", environ={}))
    '/srv/memqa/index'
    """
    env = os.environ if environ is None else environ
    if flag:
        return Path(flag).expanduser().resolve()
    if env.get(env_name):
        return Path(env[env_name]).expanduser().resolve()
    return home.path / default
