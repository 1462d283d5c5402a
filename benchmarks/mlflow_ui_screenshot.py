"""Screenshots of the MLflow UI after a real ``python train.py``, for the README (``docs/img/mlflow_*.png``).

Run: ``.venv/bin/python benchmarks/mlflow_ui_screenshot.py [--store DIR] [--out docs/img]``

Without ``--store`` it runs ``python train.py`` (default data) in a temporary folder first (1-2 minutes on
2 cores, longer on a busy machine); with ``--store DIR`` it uses the ``DIR/mlflow.db`` a training left there.
It then starts ``mlflow ui`` on a free local port and, in headless Chromium, saves:

- ``mlflow_runs.png``: the experiment opened on its runs (parent run named by data and CV protocol, its
  child run per target, the CV MAE columns with units);
- ``mlflow_run_card.png``: the conductivity run's overview (another target's without one), its description
  being the model card;
- ``mlflow_registered_model.png``: that run's registered model (``cpe-conductivity``) with its card and ``@champion``.

It also checks the README's way in: the experiment's plain address, then "Model training" in the sidebar,
shows the runs.

Needs a Chromium (Debian: ``apt-get install chromium``) and Playwright's Python client
(``pip install -e ".[docs]"``); Playwright drives the system Chromium, no browser is downloaded.
Exits non-zero when a page does not show what it should (the runs, the card, the champion).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from mlflow.tracking import MlflowClient

from cpe_ml.tracking import DEFAULT_EXPERIMENT, RUNS_PAGE

REPO = Path(__file__).resolve().parents[1]
#: Wide enough for the runs table's name column and the CV metric columns without scrolling.
VIEWPORT = {"width": 1920, "height": 480}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_store(folder: Path) -> None:
    """``python train.py`` with its defaults in ``folder`` (its ``mlflow.db`` and ``models/`` land there)."""
    started = time.time()
    subprocess.run([sys.executable, str(REPO / "train.py")], cwd=folder, check=True, stdout=subprocess.DEVNULL)
    print(f"trained in {time.time() - started:.0f} s: {folder}")


def start_ui(database: Path, port: int) -> subprocess.Popen:
    """``mlflow ui`` on the store, answering on ``port`` (waits up to 120 s)."""
    server = subprocess.Popen([sys.executable, "-m", "mlflow", "ui", "--backend-store-uri", f"sqlite:///{database}",
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(1)
    stop(server)
    raise RuntimeError(f"mlflow ui did not answer on port {port} within 120 s")


def screenshots(database: Path, out: Path, port: int) -> list[Path]:
    """Save the three pages; RuntimeError when one does not show its expected text within 60 s."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    uri = f"sqlite:///{database}"
    client = MlflowClient(uri, uri)
    experiment = client.get_experiment_by_name(DEFAULT_EXPERIMENT)
    runs = client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"])
    parent = next(r for r in runs if "mlflow.parentRunId" not in r.data.tags)
    children = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id]
    child = next((r for r in children if r.data.tags.get("target") == "conductivity"), children[0])
    registered = client.search_model_versions(f"run_id = '{child.info.run_id}'")[0].name
    base = f"http://127.0.0.1:{port}/"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        raise RuntimeError("no Chromium on PATH: apt-get install chromium")
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)

        def show(address: str, expected: str) -> None:
            page.goto(base + address)
            try:
                page.get_by_text(expected, exact=False).first.wait_for(state="visible", timeout=60_000)
            except PlaywrightTimeout:
                page.screenshot(path=str(out / "failed.png"))
                raise RuntimeError(f"{address}: {expected!r} not shown within 60 s (see {out / 'failed.png'})") from None

        def shoot(name: str) -> None:
            page.wait_for_timeout(1500)  # tables and markdown settle after the text appears
            page.screenshot(path=str(out / name))
            saved.append(out / name)

        # A fresh browser opens the experiment in the GenAI view: the README's first step, the sidebar switch
        # "Model training" (kept by the browser), must bring up the runs.
        show(f"#/experiments/{experiment.experiment_id}", "Model training")
        close = page.get_by_role("button", name="Close")  # the assistant panel opens itself on a first visit
        if close.count():
            close.first.click()
        page.get_by_text("Model training", exact=True).first.click()
        page.get_by_text(parent.info.run_name).first.wait_for(state="visible", timeout=60_000)

        show(RUNS_PAGE.format(experiment_id=experiment.experiment_id), parent.info.run_name)
        page.get_by_test_id("column-selection-dropdown").first.click()
        units = sorted({m for r in children for m in r.data.metrics if m.startswith("cv_mae_")})
        for metric in ["Dataset", "Source", *units, "cv_skill_pct", "cv_interval_coverage_pct"]:  # 2 attributes off, metrics on
            panel = page.get_by_test_id("column-selector-panel")
            panel.get_by_placeholder("Search columns").fill(metric)
            panel.get_by_text(metric, exact=True).first.click()
        page.keyboard.press("Escape")
        name_cell = page.locator("[role=gridcell][col-id='attributes.`Run Name`']").first
        name_cell.locator("button").first.click()  # unfold the child runs under the parent
        page.get_by_text(child.info.run_name).first.wait_for(state="visible", timeout=30_000)
        handle = page.locator("[role=columnheader][col-id='attributes.`Run Name`'] .ag-header-cell-resize").first.bounding_box()
        x, y = handle["x"] + 1, handle["y"] + handle["height"] / 2  # its right half lies under the next header
        page.mouse.move(x, y)
        page.mouse.down()
        for step in range(1, 21):  # widen the name column so that the run names read whole
            page.mouse.move(x + 17 * step, y)
        page.mouse.up()
        shoot("mlflow_runs.png")

        page.set_viewport_size({"width": 1600, "height": 1450})  # the whole card, then the first metrics
        show(f"#/experiments/{experiment.experiment_id}/runs/{child.info.run_id}", "Description")
        page.get_by_text("Show more", exact=True).first.click()  # the overview folds a long description
        page.get_by_text("Known limits").first.wait_for(state="visible", timeout=30_000)
        page.get_by_role("link", name=parent.info.run_name).first.wait_for(state="visible", timeout=30_000)  # loads last
        shoot("mlflow_run_card.png")
        page.set_viewport_size({"width": 1600, "height": 1250})
        show(f"#/models/{registered}", "Champion: version")
        shoot("mlflow_registered_model.png")
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="folder holding the mlflow.db of a training (default: train now)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "img")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cpe-ml-ui-") as tmp:
        folder = args.store.resolve() if args.store else Path(tmp)
        if not (folder / "mlflow.db").exists():
            train_store(folder)
        port = free_port()
        server = start_ui(folder / "mlflow.db", port)
        try:
            for path in screenshots(folder / "mlflow.db", args.out.resolve(), port):
                print(f"saved {path}")
        finally:
            stop(server)


def stop(server: subprocess.Popen) -> None:
    """End the ui and everything it started (its own session: web workers, job consumers)."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(server.pid, signal.SIGKILL)  # job consumers outlive a terminated ui
    except ProcessLookupError:
        pass
    server.wait(timeout=15)


if __name__ == "__main__":
    main()
