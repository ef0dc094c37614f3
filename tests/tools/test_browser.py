"""The student's path in a real browser: JupyterLab driven through Debian's Chromium.

Each bundle gets one ``jupyter lab --no-browser`` server on 127.0.0.1 with a
token, started from the bundle's root with that root first on PYTHONPATH, so
the kernel imports the bundle's own code and not this checkout's editable
install. Playwright drives the system Chromium; it never downloads a browser.
Screenshots go to build/browser/. Under CI=true a missing Chromium fails.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager, suppress
from pathlib import Path

import nbformat
import pytest

from grading import tasks
from grading.authoring import release
from grading.course.class_report import write_class_report
from grading.course.export import (  # the system Chromium, and flags for a closed network
    CHROMIUM,
    FLAGS,
)
from grading.student import regions

from grading_fixtures import small_synthetic

BUNDLE = Path(__file__).resolve().parents[2]
SCREENSHOTS = BUNDLE / "build" / "browser"
# JupyterLab's user settings: every cell rendered (no windowing), so the whole notebook
# is in the page; the notebook's kernel started without asking; no news toast.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none", "autoStartDefaultKernel": True},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}
RUN_TIMEOUT = 600  # seconds for Run All at quick size
STDERR = '.jp-Notebook .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
# Run All is over when no cell waits or runs ([*]) and either a cell shows an error (the
# kernel then drops the cells queued after it) or the last cell has run.
RAN = r"""() => {
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')];
    const errors = document.querySelectorAll('STDERR');
    return !prompts.some(p => p.textContent.includes('*'))
        && (errors.length > 0 || /\[\d+\]/.test(prompts[prompts.length - 1].textContent));
}""".replace("STDERR", STDERR)


def unavailable(reason):
    """Under CI a missing browser is a failure; elsewhere the test is skipped."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)

LOADED = "imgs => imgs.map(i => i.complete && i.naturalWidth > 0 && i.naturalHeight > 0)"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """One Chromium for the module, with a fresh profile."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed: pip install -r requirements.txt")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), headless=True, args=FLAGS,
            viewport={"width": 1280, "height": 1000})
        yield context
        context.close()


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A small synthetic CIFAR-10 folder, enough for the notebook's quick splits."""
    return small_synthetic(tmp_path_factory.mktemp("data") / "cifar-10-synthetic", 5400, 500)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def lab(bundle, data, scratch):
    """A JupyterLab server for `bundle`; yields its base URL with the token."""
    port, token = free_port(), secrets.token_hex(16)
    for rel, values in SETTINGS.items():
        (scratch / "settings" / rel).parent.mkdir(parents=True, exist_ok=True)
        (scratch / "settings" / rel).write_text(json.dumps(values))
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PYTEST_", "JUPYTER"))}
    env.update(PYTHONPATH=str(bundle), CIFAR10_DIR=str(data), SOFTMAX_QUICK="1",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
               JUPYTER_CONFIG_DIR=str(scratch / "config"), JUPYTER_DATA_DIR=str(scratch / "data"),
               JUPYTER_RUNTIME_DIR=str(scratch / "runtime"), IPYTHONDIR=str(scratch / "ipython"),
               JUPYTERLAB_SETTINGS_DIR=str(scratch / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(scratch / "workspaces"))
    log = open(scratch / "lab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={bundle}", "--allow-root",  # CI runs as root
         "--LabApp.extension_manager=readonly"],  # no queries to a package index
        cwd=bundle, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("jupyter lab did not start:\n"
                                       + (scratch / "lab.log").read_text(errors="replace"))
                time.sleep(0.5)
        yield base, token
    finally:
        with suppress(ProcessLookupError):  # the server and the kernels it started
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        log.close()


def run_all(page, base, token, name):
    """Open the bundle's notebook, run all cells and wait until the kernel stops."""
    page.goto(f"{base}/lab/tree/{tasks.NOTEBOOK}?token={token}")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
    page.get_by_text(re.compile(r"Python 3 \(ipykernel\) \| Idle")).wait_for(timeout=120_000)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile("^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile("^Run All Cells$")).click()
    try:
        page.wait_for_function(RAN, timeout=RUN_TIMEOUT * 1000)
    except Exception:
        screenshot(page, f"{name}-failed")
        raise


def screenshot(page, name, selector=None):
    """Save build/browser/<name>.png, with the first element matching `selector` in view."""
    if selector is not None:
        page.locator(selector).first.scroll_into_view_if_needed()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png")


def code_cells(page):
    """(prompt text, output text) of each code cell of the open notebook."""
    return page.eval_on_selector_all(
        ".jp-Notebook .jp-CodeCell",
        "cells => cells.map(c => [c.querySelector('.jp-InputPrompt').textContent.trim(),"
        " (c.querySelector('.jp-OutputArea') || {innerText: ''}).innerText])")


def test_release_stops_at_the_first_unfinished_task(browser, data, tmp_path):
    student = release.release(tmp_path / "student", BUNDLE)
    with lab(student, data, tmp_path / "lab") as (base, token):
        page = browser.new_page()
        run_all(page, base, token, "release")
        screenshot(page, "release", STDERR)
        cells = code_cells(page)
        page.close()
    failed = [k for k, (_, output) in enumerate(cells) if "NotImplementedError" in output]
    assert failed, "no cell shows a NotImplementedError"
    first = failed[0]
    # The notebook's first task is least squares (one_hot, right after loading the data).
    assert "NotImplementedError: Task least_squares: write this part of one_hot()" \
        in cells[first][1], cells[first][1][-2000:]
    # The traceback names the release's file: the kernel imported the release's code.
    assert str(student / "classifiers" / "least_squares.py") in cells[first][1]
    assert all(re.fullmatch(r"\[\d+\]:", prompt) for prompt, _ in cells[:first + 1])
    assert "dataset: synthetic" in "".join(output for _, output in cells[:first])
    assert all(prompt == "[ ]:" and not output.strip() for prompt, output in cells[first + 1:])


def copy_bundle(dest):
    """A copy of the bundle's files (solutions included) with the notebook's outputs cleared."""
    for rel in regions.walk(BUNDLE):
        if rel.split("/")[0] not in ("datasets", "build"):
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(BUNDLE / rel, dest / rel)
    nb = nbformat.read(dest / tasks.NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, dest / tasks.NOTEBOOK)
    return dest


def test_solution_runs_to_the_end_with_its_images(browser, data, tmp_path):
    solution = copy_bundle(tmp_path / "solution")
    stored = nbformat.read(BUNDLE / tasks.NOTEBOOK, as_version=4)
    images = sum("image/png" in output.get("data", {})
                 for cell in stored.cells if cell.cell_type == "code" for output in cell.outputs)
    # Each check("task") cell, once the notebook has them, must show its task's pass line.
    checks = [re.search(r"check\(['\"](\w+)['\"]\)", cell.source)
              for cell in stored.cells if cell.cell_type == "code"]
    with lab(solution, data, tmp_path / "lab") as (base, token):
        page = browser.new_page()
        run_all(page, base, token, "solution")
        screenshot(page, "solution", ".jp-Notebook .jp-OutputArea img >> nth=2")
        cells = code_cells(page)
        loaded = page.eval_on_selector_all(".jp-Notebook .jp-OutputArea img", LOADED)
        page.close()
    assert all(re.fullmatch(r"\[\d+\]:", prompt) for prompt, _ in cells), \
        [prompt for prompt, _ in cells]
    assert len(cells) == len(checks) and not any("Traceback" in output for _, output in cells)
    assert '"dataset": "synthetic"' in cells[-1][1]  # the record cell, last, ran
    assert images >= 2 and loaded == [True] * images  # ridge, loss, heat map, weights
    for found, (_, output) in zip(checks, cells):
        if found:
            assert re.search(rf"{found[1]}: all \d+ public tests passed", output), output


def test_class_report_renders_without_errors(browser, class_reports, tmp_path):
    path = write_class_report(class_reports, tmp_path)
    page = browser.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    loaded = page.eval_on_selector_all("img", LOADED)
    page.set_viewport_size({"width": 1280, "height": 2600})  # the whole page in one shot
    screenshot(page, "class_report")
    hostile = page.evaluate("() => typeof window.hostile")
    shown = page.locator("body").inner_text()
    page.close()
    assert loaded == [True] * 4 and errors == []
    assert hostile == "undefined" and "<script>window.hostile = 1</script>" in shown
