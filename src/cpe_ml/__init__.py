"""cpe-ml: predict properties of composite polymer electrolytes from their formulation.

The package folders follow the data flow:
records (``schema``, ``datasets``) -> ``validation`` -> ``featurizers`` -> ``models`` ->
``evaluation`` / ``tracking`` -> ``prediction``; ``cli`` is a thin typer layer over them.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("cpe-ml")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+src"
