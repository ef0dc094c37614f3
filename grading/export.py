"""Re-executed notebooks for reading: HTML always, PDF where the system Chromium is.

``write_readable(notebook, out_dir)`` writes ``notebook.html`` with nbconvert's
HTML exporter, its sanitizer on (a submission's outputs may hold scripts), and
``notebook.pdf`` with nbconvert's webpdf exporter, printed by Debian's Chromium
(``/usr/bin/chromium``) through playwright: a browser is never downloaded.
Without that Chromium the PDF is skipped, and the returned note says so.
"""

import concurrent.futures
import tempfile
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter, WebPDFExporter

CHROMIUM = Path("/usr/bin/chromium")
# Chromium's own background connections would wait on a closed network.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


class SystemChromiumPDF(WebPDFExporter):
    """nbconvert's webpdf (its template and print settings), printed by the system Chromium."""

    def run_playwright(self, html):
        """Print the page to PDF with the system Chromium, never a downloaded browser."""
        def render():
            from playwright.sync_api import sync_playwright
            with tempfile.TemporaryDirectory(prefix="webpdf-") as scratch, \
                    sync_playwright() as playwright:
                page_file = Path(scratch) / "notebook.html"
                page_file.write_text(html, encoding="utf-8")
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
                try:
                    page = browser.new_page()
                    page.emulate_media(media="print")
                    page.goto(page_file.as_uri(), wait_until="networkidle")
                    page.wait_for_timeout(self.page_render_timeout)
                    return page.pdf(print_background=True)
                finally:
                    browser.close()

        # Playwright's sync API refuses to run inside an event loop: give it a thread.
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(render).result()


def write_readable(notebook, out_dir, pdf=True):
    """Write out_dir/notebook.html, and notebook.pdf when asked and possible.

    Parameters
    ----------
    notebook : path
        An executed notebook (.ipynb).
    out_dir : path
        Folder to write into (created if missing).
    pdf : bool
        Also print a PDF, when the system Chromium is installed.

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
    nb = nbformat.read(notebook, as_version=4)
    out_dir.mkdir(parents=True, exist_ok=True)
    # A submission's outputs may hold HTML and scripts: nbconvert's sanitizer removes them.
    page = HTMLExporter(sanitize_html=True).from_notebook_node(nb)[0]
    written = [_write(out_dir / "notebook.html", page)]
    note = None
    if pdf and CHROMIUM.exists():
        printed = SystemChromiumPDF(sanitize_html=True).from_notebook_node(nb)[0]
        written.append(_write(out_dir / "notebook.pdf", printed))
    elif pdf:
        note = f"no PDF: {CHROMIUM} is missing (apt-get install chromium); the HTML is written"
    return written, note


def _write(path, content):
    """Write text or bytes to path through a temporary name, so no half-written file stays."""
    partial = path.with_name(path.name + ".partial")
    if isinstance(content, str):
        partial.write_text(content, encoding="utf-8")
    else:
        partial.write_bytes(content)
    partial.replace(path)
    return path
