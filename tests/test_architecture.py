"""The import graph of cpe_ml runs one way: every module imports only from its own layer or the layers below.

schema/storage -> chemistry -> catalog -> datasets, validation, featurizers -> models
-> evaluation/prediction -> tracking/training -> cli. Imports are read with ``ast`` (function-level and
``TYPE_CHECKING`` imports included), so a lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "cpe_ml"

#: Layer of each subpackage or module (the longest matching dotted prefix wins); lower layers never
#: import higher ones. A new module must be added here: the test fails for a module without a layer.
LAYERS: dict[str, int] = {
    # 0: data definitions, file locations, table helpers
    "schema": 0, "storage": 0, "tables": 0, "io": 0, "columns": 0, "safe_pickle": 0,
    # 1: chemistry (descriptors, transport physics, Tg estimator, effective medium, oxidation)
    "chemistry": 1,
    # 2: the component catalog
    "catalog": 2,
    # 3: tables of formulations: reading datasets, validating rows, turning rows into matrices
    "datasets": 3, "validation": 3, "featurizers": 3, "consistency": 3, "duplicates": 3, "provenance": 3,
    "curation": 3, "notation": 3,
    # 4: models, bundles
    "models": 4,
    # 5: evaluation, prediction and what builds on a prediction
    "evaluation": 5, "prediction": 5, "explain": 5, "screen": 5,
    # 6: MLflow tracking, training, distributed runs; the benchmark trains and logs runs
    "tracking": 6, "training": 6, "distributed": 6, "evaluation.benchmark": 6,
    # 7: entry points: the CLI, the Python API, the MLflow models-from-code file
    "cli": 7, "api": 7, "pyfunc_model": 7,
}

#: Parts of one layer that stay independent of each other (featurizers never read a dataset, ...).
INDEPENDENT: tuple[str, ...] = ("datasets", "validation", "featurizers")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int | None:
    """Layer of a module path below ``cpe_ml`` ("featurizers.filler"), by its longest listed prefix."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        if ".".join(parts[:n]) in LAYERS:
            return LAYERS[".".join(parts[:n])]
    return None


def imported_modules(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module below cpe_ml) of every cpe_ml import in the source of ``module`` ("featurizers.filler");
    ``from cpe_ml import x`` counts as importing x."""
    found = []
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name[len("cpe_ml."):]) for a in node.names if a.name.startswith("cpe_ml.")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                target = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
            elif node.module and (node.module == "cpe_ml" or node.module.startswith("cpe_ml.")):
                target = node.module[len("cpe_ml."):]
            else:
                continue
            if target:
                found.append((node.lineno, target))
            else:  # from cpe_ml import tracking (the root package itself only holds __version__)
                found += [(node.lineno, a.name) for a in node.names if layer_of(a.name) is not None]
    return found


def _part(module: str) -> str | None:
    return next((p for p in INDEPENDENT if module == p or module.startswith(p + ".")), None)


def upward_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``module`` that go to a higher layer or to an independent sibling."""
    own, bad = layer_of(module), []
    for line, target in imported_modules(source, module, is_package):
        if (layer_of(target) or 0) > own:
            bad.append(f"line {line}: cpe_ml.{target} (layer {layer_of(target)} > {own})")
        elif _part(module) and _part(target) and _part(module) != _part(target):
            bad.append(f"line {line}: cpe_ml.{target} ({_part(module)} and {_part(target)} stay independent)")
    return bad


SOURCES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.name != "__init__.py")


def test_every_module_has_a_layer():
    assert not [_module_name(p) for p in SOURCES if layer_of(_module_name(p)) is None]


@pytest.mark.parametrize("path", SOURCES, ids=_module_name)
def test_imports_only_go_down(path: Path):
    upward = upward_imports(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")
    assert not upward, f"cpe_ml.{_module_name(path)} imports upward: " + "; ".join(upward)


def test_the_checker_sees_lazy_relative_and_root_imports():
    source = ("import numpy\nfrom cpe_ml.chemistry.repeat_unit import canonical_repeat_unit\n"
              "def f():\n    from cpe_ml.featurizers.filler import FillerFeaturizer\n"
              "    from cpe_ml import training, __version__\n    from ..datasets import registry\n")
    assert upward_imports(source, "chemistry.glass_transition") == [
        "line 4: cpe_ml.featurizers.filler (layer 3 > 1)",
        "line 5: cpe_ml.training (layer 6 > 1)",
        "line 6: cpe_ml.datasets (layer 3 > 1)",
    ]
    assert upward_imports(source, "training") == []
    # the featurizers of the day imported the data cache location from datasets
    assert upward_imports("from cpe_ml.datasets._fetch import get_data_home\n", "featurizers.glass_transition") == [
        "line 1: cpe_ml.datasets._fetch (featurizers and datasets stay independent)"]
