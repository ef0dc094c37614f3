"""Re-executed notebooks for reading: HTML always, PDF where the system Chromium is.

``render(notebook, out_dir)`` is what the grader calls. It renders in a child
process (``python -m grading.course.export``) under a deadline, `RENDER_TIMEOUT`, and
refuses notebooks over `MAX_RENDERED` bytes: nbconvert takes time quadratic in
some markup (nested ``<div>``), so a render must never hold up the grading. A
root grader's child runs as the unprivileged uid (`grading.isolation.sandbox`), in a
folder of its own, and only plain files are read back from it. The returned
outcomes say, per file, "written" or why not ("not rendered: took over 120 s").

In the child, `write_readable` keeps of the notebook only what rendering needs,
each field of its expected type (`grading.course.sanitize`): known mime types, base64
images, numeric `width` and `height` and nothing else in output metadata, an
integer execution count. nbconvert's HTML exporter, its sanitizer on, writes
``notebook.html``; Debian's Chromium (``/usr/bin/chromium``, through
playwright; a browser is never downloaded) prints that same page to
``notebook.pdf`` with its own sandbox on, JavaScript off and every request but
the page itself refused. Chromium will not start its sandbox as root, so a
child that is root skips the PDF, saying why.
"""

import argparse
import concurrent.futures
import os
import resource
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from grading import report, tasks
from grading.course.sanitize import clean_notebook
from grading.grader import nbgrade
from grading.isolation import sandbox, unprivileged

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's own background connections would wait on a closed network. No --no-sandbox:
# the PDF is printed with Chromium's sandbox on (`chromium_sandbox=True` in `print_pdf`).
FLAGS = ["--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HTML, PDF = "notebook.html", "notebook.pdf"
RENDER_TIMEOUT = 120     # seconds for one notebook's HTML and PDF (grading/README.md)
MAX_RENDERED = 16 << 20  # bytes of notebook rendered; the figures of a full run take ~0.3 MB
# Chromium's threads count as processes, and it reserves far more address space than it
# uses: at 64 processes or an address-space cap of 6 GiB it dies at launch (SIGTRAP).
RENDER_PROCESSES = 256


def render(notebook: Path | str, out_dir: Path | str, pdf: bool = True,
           timeout: float | None = None, max_bytes: int = MAX_RENDERED) -> dict[str, str]:
    """Write out_dir/notebook.html (and .pdf) in a child under a deadline; {file: outcome}.

    Parameters
    ----------
    notebook : path
        An executed notebook (.ipynb), student output.
    out_dir : path
        Folder to write into (created if missing).
    pdf : bool
        Also print a PDF.
    timeout : float, optional
        Seconds the child may take for both files, killed then (default `RENDER_TIMEOUT`).
    max_bytes : int
        Larger notebooks are not rendered.

    Returns
    -------
    outcomes : dict
        {"notebook.html": "written" or "not rendered: <why>", and the same for the PDF}.
    """
    notebook, out_dir = Path(notebook), Path(out_dir)
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook {notebook} does not exist; pass an executed .ipynb")
    timeout = RENDER_TIMEOUT if timeout is None else timeout
    if timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    names = [HTML, PDF] if pdf else [HTML]
    size = notebook.stat().st_size
    if size > max_bytes:
        return {name: f"not rendered: the notebook is {size / 2**20:.1f} MB, over "
                      f"{max_bytes / 2**20:g} MB" for name in names}
    with tempfile.TemporaryDirectory(prefix="render-") as scratch:
        folder = Path(scratch)
        shutil.copyfile(notebook, folder / "notebook.ipynb")
        command = [sys.executable, "-m", "grading.course.export", str(folder / "notebook.ipynb"),
                   str(folder), *(["--pdf"] if pdf else [])]
        try:
            status, said = sandbox.run(command, timeout, read_only=[folder],
                                       isolation=sandbox.Isolation.UNSANDBOXED,
                                       writable=[folder], cwd=folder, cpu=int(timeout) + 1,
                                       memory=resource.RLIM_INFINITY, processes=RENDER_PROCESSES,
                                       env=sandbox.environment(PYTHONPATH=str(tasks.BUNDLE)))
        except OSError as error:  # no child (a uid that cannot run this Python): say so
            return {name: f"not rendered: the renderer did not start: {error}"[:300]
                    for name in names}
        notes = dict(line.split(": ", 1) for line in said.splitlines()
                     if line.startswith(tuple(names)))
        out_dir.mkdir(parents=True, exist_ok=True)
        outcomes: dict[str, str] = {}
        for name in names:
            made = nbgrade.plain_file(folder, name)
            if made is not None and name not in notes:
                _write(out_dir / name, made.read_bytes())
                outcomes[name] = "written"
            elif status is None:
                outcomes[name] = f"not rendered: took over {timeout:g} s"
            else:
                last = (said.strip().splitlines() or [f"exit status {status}"])[-1]
                outcomes[name] = "not rendered: " + notes.get(name, last)[:300]
    return outcomes


def print_pdf(page: str) -> bytes:
    """PDF bytes of the HTML text `page`, printed by the system Chromium in its sandbox.

    JavaScript is off and every request but the page's own file is refused, so
    nothing in the page runs or reaches the network.
    """
    def visit(context: Any, home: Path) -> bytes:
        uri = (home / HTML).as_uri()
        context.route("**/*", lambda route: route.continue_()
                      if route.request.url == uri else route.abort())
        tab = context.new_page()
        tab.emulate_media(media="print")
        tab.goto(uri, wait_until="load")
        return tab.pdf(print_background=True)
    return in_chromium(visit, page)


def in_chromium(visit: Callable[[Any, Path], Any], page: str, javascript: bool = False) -> Any:
    """visit(context, home) in the system Chromium, its sandbox on; home/notebook.html is page.

    Chromium will not start its sandbox as root: a root caller has it run as
    the unprivileged uid (util-linux's setpriv), in a fresh profile of that
    uid's, through a script in a folder of the caller's alone.
    """
    root = os.geteuid() == 0
    home = unprivileged.home() if root else Path(tempfile.mkdtemp(prefix="chromium-"))
    wrapper = Path(tempfile.mkdtemp(prefix="chromium-wrapper-"))
    try:
        (home / HTML).write_text(page, encoding="utf-8")
        (home / HTML).chmod(0o644)
        (home / "profile").mkdir()
        executable = CHROMIUM
        if root:
            os.chown(home / "profile", unprivileged.NOBODY, unprivileged.NOBODY)
            executable = wrapper / "chromium"
            executable.write_text(f'#!/bin/sh\nexec setpriv --reuid={unprivileged.NOBODY} '
                                  f'--regid={unprivileged.NOBODY} --clear-groups '
                                  f'{CHROMIUM} "$@"\n')
            executable.chmod(0o700)

        def launched() -> Any:
            from playwright.sync_api import sync_playwright
            with sync_playwright() as playwright:
                context = playwright.chromium.launch_persistent_context(
                    str(home / "profile"), executable_path=str(executable), args=FLAGS,
                    chromium_sandbox=True, java_script_enabled=javascript,
                    env={"HOME": str(home), "TMPDIR": str(home), "PATH": "/usr/bin:/bin"})
                try:
                    return visit(context, home)
                finally:
                    context.close()

        # Playwright's sync API refuses to run inside an event loop: give it a thread.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(launched).result()
    finally:
        shutil.rmtree(home, ignore_errors=True)
        shutil.rmtree(wrapper, ignore_errors=True)


def write_readable(notebook: Path | str, out_dir: Path | str,
                   pdf: bool = True) -> tuple[list[Path], str | None]:
    """Write out_dir/notebook.html, and notebook.pdf when asked and possible, in this process.

    The grader calls `render`, which runs this in a child under a deadline.

    Parameters
    ----------
    notebook : path
        An executed notebook (.ipynb).
    out_dir : path
        Folder to write into (created if missing).
    pdf : bool
        Also print a PDF, when the system Chromium is installed and this is not root.

    Returns
    -------
    written : list of Path
        The files written.
    note : str or None
        Why no PDF was written, when one was asked for and is missing.
    """
    notebook, out_dir = Path(notebook), Path(out_dir)
    if not notebook.is_file():
        raise FileNotFoundError(f"notebook {notebook} does not exist; pass an executed .ipynb")
    nb = clean_notebook(nbformat.read(notebook, as_version=4))
    out_dir.mkdir(parents=True, exist_ok=True)
    page = HTMLExporter(sanitize_html=True).from_notebook_node(nb)[0]
    written, note = [_write(out_dir / HTML, page)], None
    if pdf and not CHROMIUM.exists():
        note = f"no PDF: {CHROMIUM} is missing (apt-get install chromium); the HTML is written"
    elif pdf:
        try:
            written.append(_write(out_dir / PDF, print_pdf(page)))
        except Exception as error:  # Chromium's own failures: the HTML stands
            note = f"no PDF: Chromium failed: {type(error).__name__}: {error}"
    return written, note


def _write(path: Path, content: str | bytes) -> Path:
    """Write text or bytes to path, never half-written (`report.written`)."""
    with report.written(path) as temporary:
        if isinstance(content, str):
            temporary.write_text(content, encoding="utf-8")
        else:
            temporary.write_bytes(content)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    """Render one notebook in this process (the child `render` starts); the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.course.export",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("notebook", type=Path, help="an executed notebook")
    parser.add_argument("out", type=Path, help="folder to write into")
    parser.add_argument("--pdf", action="store_true", help="also print a PDF")
    args = parser.parse_args(argv)
    try:  # what goes wrong is said on stdout, the only output `render` reads
        note = write_readable(args.notebook, args.out, args.pdf)[1]
    except Exception as error:
        print(f"{HTML}: could not be rendered: {type(error).__name__}: {error}"[:400])
        return 1
    if note:
        print(f"{PDF}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
