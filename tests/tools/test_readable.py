"""Notebooks rendered for reading: sanitized before nbconvert, under a deadline and a cap.

The hostile notebook carries each known way to get markup, a script or a
javascript: URL through nbconvert's template; the page is parsed and held to
the template's own scripts. A tiny deadline is injected: no test waits long.
"""

import html
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell

from grading.course import export, sanitize
from grading.isolation import sandbox, unprivileged

PNG = "iVBORw0KGgo="  # base64, as a stored figure is
HANDLERS = re.compile(r"^on", re.IGNORECASE)


def image(data=PNG, metadata=None, mime="image/png"):
    return new_output("display_data", data={mime: data}, metadata=metadata or {})


def html_output(markup, mime="text/html"):
    return new_output("display_data", data={mime: markup, "text/plain": "shown"})


# Each payload, in the output metadata, the output data or a cell; the alert's number
# names it, so a survivor is easy to trace.
OUTPUTS = [
    image(metadata={"image/png": {"width": "1 onerror=alert(1)"}}),
    image(metadata={"height": "1 onload=alert(2)"}),
    image(metadata={"filenames": {"image/png": 'x" onerror="alert(3)'}}),
    image(data='x" onerror="alert(4)'),
    image(data="AAAA onerror=alert(5)", mime="image/jpeg"),
    html_output("<img src=x onerror=alert(6)>"),
    html_output("<script>alert(7)</script>"),
    html_output('<iframe srcdoc="<script>alert(8)</script>"></iframe>'),
    html_output('<a href="javascript:alert(9)">x</a>'),
    html_output('<div style="background:url(javascript:alert(10));width:expression(alert(10))">'
                "x</div>"),
    html_output("<svg onload=alert(11)></svg>", mime="image/svg+xml"),
    html_output("<svg><script>alert(12)</script></svg>"),
    html_output("alert(13)", mime="application/javascript"),
    html_output("x", mime='text/html" onload="alert(14)'),
    html_output("[x](javascript:alert(15))", mime="text/markdown"),
    html_output('<form action="javascript:alert(28)"><button formaction="javascript:alert(28)">'
                "go</button></form>"),
    html_output('<object data="javascript:alert(29)"></object><embed src="javascript:alert(29)">'),
    html_output("<math><mtext><table><mglyph><style><img src=x onerror=alert(30)>"),
    html_output('<base href="javascript:alert(31)//"><meta http-equiv="refresh" '
                'content="0;url=javascript:alert(32)">'),
    html_output("</div><script>alert(33)</script>", mime="text/latex"),
    image(metadata={"image/png": {"width": '100" onload="alert(34)', "height": 200}}),
    new_output("stream", name="stdout", text="<img src=x onerror=alert(26)>"),
    new_output("stream", name='stdout" onclick="alert(35)', text="x"),
    new_output("error", ename="E", evalue="<script>alert(25)</script>",
               traceback=["<svg onload=alert(25)>"]),
    html_output('<a href="jAvAsCrIpT:alert(27)">a</a><a href="&#106;avascript:alert(27)">b</a>'),
]
MARKDOWN = [
    "[click](javascript:alert(16))",
    "<img src=x onerror=alert(17)>",
    "<details open ontoggle=alert(18)>x</details>",
    '<a href="java\tscript:alert(36)">tab</a> [y](  javascript:alert(36) )',
    "![pic](attachment:a.png)",
]


def hostile_notebook(path):
    """A notebook holding every payload above, in the places a submission controls."""
    code = new_code_cell("show()", execution_count=1, outputs=OUTPUTS,
                         metadata={"tags": ['x" onmouseover="alert(21)']})
    counted = new_code_cell("x", outputs=[new_output("execute_result", data={"text/plain": "1"},
                                                     execution_count=2)])
    cells = [code, counted, *map(new_markdown_cell, MARKDOWN),
             new_raw_cell("<script>alert(20)</script>", metadata={"raw_mimetype": "text/html"})]
    cells[2 + MARKDOWN.index("![pic](attachment:a.png)")]["attachments"] = {
        "a.png": {'image/png" onerror="alert(19)': PNG}}
    nb = new_notebook(cells=cells, metadata={
        "title": "</title><script>alert(23)</script>",
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}})
    nb.cells[1]["execution_count"] = "2]<script>alert(22)</script>"  # nbformat would refuse it
    path.write_text(json.dumps(nb), "utf-8")  # as stored, invalid fields and all
    return path


class Page(HTMLParser):
    """Every start tag with its attributes, and the text of every script, of a page."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append((tuple(attrs), ""))

    def handle_endtag(self, tag):
        self._in_script = False if tag == "script" else self._in_script

    def handle_data(self, data):
        if self._in_script:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)


def template_scripts(tmp_path):
    """The scripts nbconvert's template puts in a page of a harmless notebook."""
    path = tmp_path / "plain.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1", execution_count=1)]), path)
    export.write_readable(path, tmp_path / "plain", pdf=False)
    return set(Page((tmp_path / "plain" / export.HTML).read_text("utf-8")).scripts)


def javascript_url(value):
    """True if an attribute value holds a javascript: URL, however it is spelled."""
    value = html.unescape(value)
    return "javascript:" in re.sub(r"[\x00-\x20]", "", value).lower()


def survivors(text, template):
    """What of the payloads made it into the page `text` as live markup, in a list."""
    page = Page(text)
    found = [(tag, name) for tag, attrs in page.tags for name, _ in attrs if HANDLERS.match(name)]
    found += [script for script in page.scripts if script not in template]
    found += [(tag, name, value) for tag, attrs in page.tags for name, value in attrs
              if javascript_url(value) or "expression(" in value.lower()]
    found += [tag for tag, _ in page.tags
              if tag in {"iframe", "object", "embed", "base", "form", "svg", "math", "details"}]
    return found + [attrs for tag, attrs in page.tags
                    if tag == "meta" and any(name == "http-equiv" for name, _ in attrs)]


def test_no_payload_survives_into_the_rendered_page(tmp_path):
    export.write_readable(hostile_notebook(tmp_path / "hostile.ipynb"), tmp_path / "out",
                          pdf=False)
    text = (tmp_path / "out" / export.HTML).read_text("utf-8")
    assert survivors(text, template_scripts(tmp_path)) == []
    # What is safe still shows: the figures, with a numeric size, and the text outputs.
    images = [dict(attrs) for tag, attrs in Page(text).tags if tag == "img"]
    assert [attrs["src"] for attrs in images] == [f"data:image/png;base64,{PNG}"] * 4
    assert [(attrs.get("width"), attrs.get("height")) for attrs in images] == [
        (None, None), (None, None), (None, None), (None, "200")]
    assert "&lt;img src=x onerror=alert(26)&gt;" in text  # a stream, shown as text


def test_without_the_cleaning_the_payloads_would_survive(tmp_path):
    # The same notebook through nbconvert's sanitizer alone: the metadata's width and
    # height become live handlers. (nbconvert refuses the text execution count and the
    # missing attachment outright, which would leave the submission without a page.)
    nb = nbformat.read(hostile_notebook(tmp_path / "hostile.ipynb"), 4)
    nb.cells[1].execution_count = 2
    nb.cells[2 + MARKDOWN.index("![pic](attachment:a.png)")].source = ""
    text = HTMLExporter(sanitize_html=True).from_notebook_node(nb)[0]
    found = survivors(text, template_scripts(tmp_path))
    assert ("img", "onerror") in found and ("img", "onload") in found


def nested_divs(path, kilobytes=200):
    """A notebook whose one markdown cell is `kilobytes` KB of nested <div>, slow in nbconvert."""
    depth = kilobytes * 1024 // len("<div></div>")
    nbformat.write(new_notebook(cells=[new_markdown_cell("<div>" * depth + "</div>" * depth)]),
                   path)
    return path


def test_a_render_past_its_deadline_is_reported_and_leaves_no_file(tmp_path):
    # A deadline shorter than the child's start-up: killed, whatever the notebook.
    outcomes = export.render(nested_divs(tmp_path / "slow.ipynb"), tmp_path / "out",
                             timeout=0.01)
    assert outcomes == {export.HTML: "not rendered: took over 0.01 s",
                        export.PDF: "not rendered: took over 0.01 s"}
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_a_notebook_over_the_cap_is_not_rendered_and_no_child_starts(tmp_path, monkeypatch):
    monkeypatch.setattr(sandbox, "run", lambda *args, **kwargs: pytest.fail("a child started"))
    path = nested_divs(tmp_path / "big.ipynb", 64)
    outcomes = export.render(path, tmp_path / "out", pdf=False, max_bytes=32 << 10)
    assert outcomes == {export.HTML: "not rendered: the notebook is 0.1 MB, over 0.03125 MB"}
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds, got 0"):
        export.render(path, tmp_path / "out", timeout=0)
    with pytest.raises(FileNotFoundError, match="missing.ipynb does not exist"):
        export.render(tmp_path / "missing.ipynb", tmp_path / "out")


def test_the_defaults_are_what_grading_readme_states():
    text = (Path(__file__).resolve().parents[2] / "grading" / "README.md").read_text("utf-8")
    assert f"`export.RENDER_TIMEOUT`, {export.RENDER_TIMEOUT} s" in text
    assert f"`export.MAX_RENDERED`, {export.MAX_RENDERED >> 20} MB" in text
    assert "--no-sandbox" not in export.FLAGS
    assert sanitize.MIME_TYPES == ("text/plain", "text/html", "text/markdown", "image/png",
                                   "image/jpeg")


def test_the_pdf_is_printed_from_the_page_written_as_html(tmp_path, monkeypatch):
    printed = []
    monkeypatch.setattr(export, "print_pdf", lambda page: printed.append(page) or b"%PDF-")
    monkeypatch.setattr(export, "CHROMIUM", Path(__file__))  # any file that exists
    export.write_readable(hostile_notebook(tmp_path / "hostile.ipynb"), tmp_path / "out")
    assert printed == [(tmp_path / "out" / export.HTML).read_text("utf-8")]


def chromium_or_skip():
    if not export.CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{export.CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"{export.CHROMIUM} is missing")


def test_chromium_prints_in_its_own_sandbox_as_an_unprivileged_uid(tmp_path):
    chromium_or_skip()

    def visit(context, home):
        tab = context.new_page()
        tab.goto("chrome://sandbox")
        tab.wait_for_function("document.body.innerText.includes('sandboxed')")
        uids = {int(line.split()[1]) for folder in Path("/proc").glob("[0-9]*")
                if str(home) in _read(folder / "cmdline")
                for line in _read(folder / "status").splitlines() if line.startswith("Uid:")}
        return tab.inner_text("body"), uids

    text, uids = export.in_chromium(visit, "", javascript=True)  # chrome://sandbox needs it
    assert "You are adequately sandboxed." in text
    assert "Seccomp-BPF sandbox\tYes" in text and "Network namespaces\tYes" in text
    assert uids == ({unprivileged.NOBODY} if os.geteuid() == 0 else {os.geteuid()})


def _read(path):
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except OSError:  # the process is gone meanwhile
        return ""


def test_the_pdf_of_a_hostile_notebook_is_printed(tmp_path):
    chromium_or_skip()
    outcomes = export.render(hostile_notebook(tmp_path / "hostile.ipynb"), tmp_path / "out")
    assert outcomes == {export.HTML: "written", export.PDF: "written"}
    assert (tmp_path / "out" / export.PDF).read_bytes().startswith(b"%PDF-")
