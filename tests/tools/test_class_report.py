"""The class report page, and grade_all's progress display."""

import base64
import io
from html.parser import HTMLParser

import pytest

from grading.course.class_report import write_class_report
from grading.course.progress import Progress


class Page(HTMLParser):
    """The tags, image sources, links and text of an HTML page."""

    def __init__(self, text):
        super().__init__()
        self.tags, self.images, self.links, self.text = [], [], [], []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "a":
            self.links.append(attrs["href"])

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture
def page(class_reports, tmp_path):
    path = write_class_report(class_reports, tmp_path)
    assert path == tmp_path / "class_report.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["class_report.html"]
    return Page(path.read_text(encoding="utf-8"))


def test_the_page_is_self_contained_with_inline_png_figures(page):
    assert len(page.images) == 4  # scores, pass rates, cells matched, accuracy against score
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG\r\n\x1a\n")
    assert "script" not in page.tags and "link" not in page.tags


def test_markup_from_a_submission_is_escaped(page, class_reports):
    text = "".join(page.text)
    assert "script" not in page.tags
    assert text.count("<script>window.hostile = 1</script>") == 3  # name, message, problem
    assert "dave%3Cscript%3Ewindow.hostile%20%3D%201%3C/script%3E/report.md" in page.links


def test_pass_rates_failures_and_links_are_counted(page):
    text = " ".join(" ".join(page.text).split())
    # least_squares passed by alice, bob and dave; softmax_vectorized by alice alone.
    assert "least_squares 75%" in text and "softmax_vectorized 25%" in text
    # carol's and dave's stubs share the first failure of softmax_naive.
    assert "softmax_naive 2 NotImplementedError: Task softmax_naive: write this part" in text
    assert "Median total 15 of 30; 1 full marks." in text
    assert sorted(page.links)[:3] == ["alice/report.md", "bob.zip/report.md", "carol/report.md"]


def test_accuracy_is_the_graders_measure_not_the_notebooks_print_out(page, class_reports):
    text = " ".join(" ".join(page.text).split())
    assert "Measured val / test" in text
    assert "0.390 / 0.370" in text and "0.410" not in text  # alice: measured 0.39, printed 0.41
    assert class_reports[0].notebook.measured("val") == 0.39
    forged = class_reports[2]
    forged.notebook.accuracy = {"softmax, tuned": {"val": 0.99}}
    assert forged.notebook.measured("val") is None  # printed only: not plotted


def test_an_empty_class_is_refused(tmp_path):
    with pytest.raises(ValueError, match="reports must hold at least one"):
        write_class_report([], tmp_path)
    assert not list(tmp_path.iterdir())


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_prints_plain_lines_when_not_on_a_terminal():
    stream = io.StringIO()
    with Progress(2, stream) as progress:
        progress.done("alice", "30 / 30")
        progress.done("bob.zip", "20 / 30")
    assert stream.getvalue() == "[1/2] alice: 30 / 30\n[2/2] bob.zip: 20 / 30\n"


def test_progress_draws_a_bar_with_an_eta_on_a_terminal():
    stream = Terminal()
    with Progress(2, stream) as progress:
        progress.done("alice", "30 / 30")
        progress.done("bob.zip", "20 / 30")
    last = stream.getvalue().split("\r")[-1]
    assert "2/2" in last and "100%" in last and "<00:00" in last  # elapsed<remaining
    assert "bob.zip: 20 / 30" in last and "\n[" not in stream.getvalue()
