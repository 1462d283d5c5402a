"""Helpers shared by the CLI commands: consoles, validation-error display, exit codes."""

from __future__ import annotations

import functools
import inspect
import logging
import os
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import typer
from rich.console import Console, ConsoleDimensions
from rich.markup import escape

from cpe_ml.storage import DEFAULT_TRACKING_URI
from cpe_ml.validation import FormulationValidationError

#: Columns of a console whose output is piped or redirected: wide enough that no table is cut.
PIPED_WIDTH = 10_000


class _Console(Console):
    """A rich console that cuts tables to the terminal's width only when it writes to a terminal.

    Rich otherwise takes the width of whatever terminal stdin or stderr is attached to (80 columns when
    none), so ``cpe-ml predict ... | less`` or ``> report.txt`` truncated table cells ("conductiv...").
    """

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        return size if self.is_terminal else ConsoleDimensions(max(size.width, PIPED_WIDTH), size.height)


console = _Console()


def _show_flags_as_flags() -> None:
    """``--help`` lists an on/off flag (``--skip-invalid``, ``--debug``, ``--help``) without a value type.

    typer >= 0.29 renders every flag's type in its rich help (``--skip-invalid <bool>``), as if the
    flag took a value; click and earlier typer versions leave it empty for flags, which this restores.
    """
    try:
        from typer.core import TyperOption
    except ImportError:  # typer before 0.29: flags are shown without a type already
        return
    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx) -> str | None:
        return None if self.is_bool_flag else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich


_show_flags_as_flags()

#: Options shared by the commands that load trained models (predict, screen).
MODELS_DIR_OPTION = typer.Option(None, "--models-dir", help="Use the bundles of this directory (python train.py writes models/). Default: the registry's @champion of each target when the --tracking-uri store exists, else models/.")
MODEL_URI_OPTION = typer.Option(None, "--model", help="Registered MLflow model instead of bundles, e.g. models:/cpe-conductivity@champion (repeatable).")
MODEL_STORE_OPTION = typer.Option(DEFAULT_TRACKING_URI, "--tracking-uri", envvar="MLFLOW_TRACKING_URI", help="MLflow store of the registered models (--model URIs, @champion, cpe-ml models).")


DEFAULT_MODELS_DIR = Path("models")


def registry_exists(tracking_uri: str) -> bool:
    """A local SQLite store counts when its file exists; a server URI (http://...) was set on purpose."""
    if tracking_uri.startswith("sqlite:///"):
        return Path(tracking_uri.removeprefix("sqlite:///")).is_file()
    return tracking_uri.startswith(("http://", "https://", "databricks"))


def load_models(models_dir: Path | None, model_uri: list[str] | None, tracking_uri: str | None = None) -> dict:
    """The bundles a command predicts with, and one printed line per target saying which model version it is.

    ``--model`` URIs first; then ``--models-dir`` when given (backwards compatible); else each target's
    registry champion when a registry exists (see :func:`cpe_ml.tracking.champion_bundles`); else models/.
    """
    import mlflow

    from cpe_ml import tracking
    from cpe_ml.models.bundle import load_bundles, read_manifest

    tracking_uri = tracking_uri or mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(tracking_uri)
    if model_uri:
        bundles = {}
        for uri in model_uri:
            try:
                bundle = tracking.registered_bundle(uri)
            except LookupError as err:
                raise LookupError(f"--model {err}") from None
            bundles[bundle.target_name] = bundle
            console.print(f"model: {bundle.target_name} from {escape(uri)} ({bundle.registered_name or 'registered'} "
                          f"v{bundle.registered_version or '?'})", highlight=False)
        return bundles
    if models_dir is None and registry_exists(tracking_uri):
        mlflow.set_registry_uri(tracking_uri)
        bundles, notes = tracking.champion_bundles(DEFAULT_MODELS_DIR)
        if bundles:
            for note in notes:
                console.print(f"model: {escape(note)}", highlight=False)
            return bundles
    models_dir = models_dir or DEFAULT_MODELS_DIR
    bundles = load_bundles(models_dir)
    manifest = read_manifest(models_dir)
    for name, bundle in bundles.items():
        where = f"generation {manifest['bundles'][name]['generation']}" if manifest and name in manifest["bundles"] else "bundle"
        version = f", {bundle.registered_name} v{bundle.registered_version}" if bundle.registered_version else ""
        console.print(f"model: {name}: {escape(str(models_dir))} {where}{escape(version)}", highlight=False)
    return bundles


def quiet_mlflow() -> None:
    """Keep MLflow's INFO lines and download bars out of the command's own report."""
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="mlflow")
errors = _Console(stderr=True)


@contextmanager
def stop_on_invalid_data(report_path: str | None = None) -> Iterator[None]:
    """Show the whole validation report and exit 2 instead of a traceback."""
    try:
        yield
    except FormulationValidationError as err:
        errors.print(f"[bold red]Invalid input data[/] — nothing was written.\n{escape(err.report.format())}", markup=True, highlight=False)
        if report_path:
            from cpe_ml.io import write_table

            write_table(err.report.to_frame(), report_path)
            errors.print(f"full report: {report_path}")
        raise typer.Exit(2) from None


def fail(message: str, code: int = 2) -> NoReturn:
    """One line on stderr, then exit ``code``; user text is never read as rich markup (``PEO[/i]``, ``[nH]``)."""
    errors.print(f"[red]error:[/] {escape(' '.join(str(message).split()))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    errors.print(f"[yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def guarded(command: Callable) -> Callable:
    """The command with a ``--debug`` option: any error ends as one line and exit code 2, no traceback.

    A validation report is shown whole (every problem, one per line); ``--debug`` (or ``CPE_ML_DEBUG=1``)
    lets the exception and its traceback through instead.
    """

    @functools.wraps(command)
    def wrapper(*args, debug: bool = False, **kwargs):
        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt:
            raise
        except Exception as err:
            if debug or os.environ.get("CPE_ML_DEBUG") or type(err).__module__.split(".")[0] in ("typer", "click"):
                raise  # typer/click exits and usage errors carry their own exit code and message
            if isinstance(err, FormulationValidationError):
                errors.print(f"[bold red]Invalid input data[/]\n{escape(err.report.format())}", highlight=False)
                raise typer.Exit(2) from None
            text = str(err).strip().splitlines()[0] if str(err).strip() else ""
            known = isinstance(err, ValueError | LookupError | OSError)
            fail(f"{text or type(err).__name__}" if known else f"{type(err).__name__}: {text} (run with --debug for the traceback)")

    signature = inspect.signature(command)
    debug = inspect.Parameter("debug", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                              default=typer.Option(False, "--debug", help="Show the Python traceback of an error instead of one line."))
    wrapper.__signature__ = signature.replace(parameters=[*signature.parameters.values(), debug])
    wrapper.__annotations__ = {**getattr(command, "__annotations__", {}), "debug": "bool"}
    return wrapper


def parse_temperatures(text: str) -> list[float]:
    """``"25,60"`` -> [25.0, 60.0]; anything else is a one-line error naming the bad item."""
    values = []
    for item in (t.strip() for t in text.split(",")):
        if not item:
            continue
        try:
            values.append(float(item))
        except ValueError:
            raise ValueError(f"--temperatures: {item!r} is not a number; write temperatures in C separated by commas, e.g. 25,60") from None
    return values
