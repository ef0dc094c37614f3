"""The class at a glance: ``write_class_report(reports, out_dir)`` writes class_report.html.

One self-contained page (no scripts, no external files; the figures are PNGs
inline as base64, drawn by matplotlib's Agg backend) from the submissions'
`grading.report.Report`s, which `grade` returns and writes as report.json: the score
histogram, the pass rate per task, each task's most common likely causes (what its
public probes recognised) and first failures, the
distribution of notebook cells matched, the validation accuracy the grader measured
from the weights each notebook saved (`grading.grader.measure`, not what the notebook
printed) against the score, and a table of submissions linking each report.md
and saying whether its notebook was rendered for reading; given the class compared
(`grading.course.similarity`), its most similar pairs and a heat map.
Everything taken from a submission is HTML-escaped.
"""

import base64
import html
import io
import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from urllib.parse import quote

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from grading import report
from grading.course import similarity
from grading.report import Report

STYLE = ("body{font-family:sans-serif;max-width:70em;margin:2em auto;color:#222}"
         "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;"
         "text-align:left;vertical-align:top}img{max-width:100%}")
TOP_FAILURES = 3  # most common first failures, and likely causes, listed per task


def figure_png(draw: Callable[[Axes], object]) -> str:
    """An <img> of the figure `draw(ax)` draws, as an inline base64 PNG."""
    # A Figure of its own on an Agg canvas: no pyplot, so no global backend or figure state.
    fig = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    draw(ax)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(ax.get_title())}" src="data:image/png;base64,{data}">'


def score_histogram(reports: Sequence[Report]) -> str:
    """PNG of the distribution of total scores."""
    max_total = max(r.max_total for r in reports)

    def draw(ax: Axes) -> None:
        ax.hist([r.total for r in reports], bins=range(0, math.ceil(max_total) + 2),
                color="#4c72b0")
        ax.set(title="Scores", xlabel=f"total (of {max_total})", ylabel="submissions")
    return figure_png(draw)


def pass_rates(reports: Sequence[Report], task_names: Sequence[str]) -> tuple[str, list[float]]:
    """PNG of the share of submissions passing each task."""
    rates = [sum(r.tasks[t].passed for r in reports) / len(reports) for t in task_names]

    def draw(ax: Axes) -> None:
        ax.barh(task_names[::-1], rates[::-1], color="#55a868")
        ax.set(title="Pass rate per task", xlabel="fraction of submissions", xlim=(0, 1))
    return figure_png(draw), rates


def cells_matched(reports: Sequence[Report]) -> str:
    """PNG of the distribution of the notebook's cells matched."""
    ran = [r.notebook for r in reports if r.notebook.cells_total]

    def draw(ax: Axes) -> None:
        if ran:
            ax.hist([nb.cells_matched / nb.cells_total for nb in ran],
                    bins=[k / 10 for k in range(11)], color="#8172b2")
        ax.set(title=f"Notebook cells matched ({len(ran)} of {len(reports)} re-executed)",
               xlabel="fraction of cells matched", ylabel="submissions", xlim=(0, 1))
    return figure_png(draw)


def accuracy_against_score(reports: Sequence[Report]) -> str:
    """PNG of the validation accuracy the grader measured against the total score."""
    points = [(r.total, r.notebook.measured("val")) for r in reports]
    points = [(total, val) for total, val in points if val is not None]

    def draw(ax: Axes) -> None:
        if points:
            ax.scatter(*zip(*points), color="#c44e52")
        ax.set(title=f"Validation accuracy measured by the grader ({len(points)} notebooks)",
               xlabel="total score", ylabel="validation accuracy of the saved W")
    return figure_png(draw)


def counts_table(task_names: Sequence[str], counted: Callable[[str], Counter[str]],
                 column: str, empty: str) -> str:
    """Rows of each task's most common entries of `counted(task)`, with their counts."""
    rows = [f"<tr><td><code>{html.escape(task)}</code></td><td>{count}</td>"
            f"<td>{html.escape(entry)}</td></tr>"
            for task in task_names for entry, count in counted(task).most_common(TOP_FAILURES)]
    head = f"<tr><th>Task</th><th>Submissions</th><th>{column}</th></tr>"
    return f"<table>{head}{''.join(rows)}</table>" if rows else f"<p>{empty}</p>"


def failure_table(reports: Sequence[Report], task_names: Sequence[str]) -> str:
    """Rows of each task's most common first failures, with their counts."""
    return counts_table(task_names, lambda task: Counter(
        r.tasks[task].message or "(no message)" for r in reports if not r.tasks[task].passed),
        "First failure", "No task failed.")


def diagnosis_table(reports: Sequence[Report], task_names: Sequence[str]) -> str:
    """Rows of each task's most common likely causes, which its public probes recognised:
    what the class misunderstood."""
    return counts_table(task_names, lambda task: Counter(
        cause for r in reports for cause in r.tasks[task].diagnoses or []),
        "Likely cause", "No probe recognised a common mistake.")


def submission_table(reports: Iterable[Report], task_names: Sequence[str],
                     folder: str = "") -> str:
    """One row per submission: its report (under `folder`), scores per task, notebook and
    problems."""
    head = "".join(f"<th>{html.escape(t)}</th>" for t in task_names)
    rows = []
    for r in sorted(reports, key=lambda r: r.submission):
        name, nb = r.submission, r.notebook
        cells = "".join(f"<td>{r.tasks[t].points}</td>" for t in task_names)
        found = [nb.measured(split) for split in ("val", "test")]
        accuracy = " / ".join("-" if v is None else f"{v:.3f}" for v in found)
        rows.append(f'<tr><td><a href="{html.escape(folder + quote(name))}/report.md">'
                    f"{html.escape(name)}</a></td><td>{r.total} / {r.max_total}</td>"
                    f"{cells}<td>{nb.cells_matched} / {nb.cells_total}</td>"
                    f"<td>{accuracy}</td><td>{html.escape(nb.status)}</td>"
                    f"<td>{html.escape(readable(r))}</td>"
                    f"<td>{html.escape('; '.join(r.problems))}</td></tr>")
    return (f"<table><tr><th>Submission</th><th>Total</th>{head}<th>Cells matched</th>"
            "<th>Measured val / test</th><th>Notebook</th><th>For reading</th>"
            f"<th>Problems</th></tr>{''.join(rows)}</table>")


def readable(report: Report) -> str:
    """How the notebook's HTML and PDF went ("notebook.html: not rendered: ..."); "-" when
    there is no kept notebook, or it is not rendered yet (the page is written again then)."""
    if report.readable is None:
        return "-"
    return "; ".join(f"{name}: {outcome}" for name, outcome in report.readable.items())


def render(reports: Sequence[Report], folder: str = "",
           similar: similarity.Similarity | None = None) -> str:
    """The class report's HTML text; `folder` prefixes the links to each report.md.

    `similar`, the class compared, adds its section (`similarity.section`).
    """
    if not reports:
        raise ValueError("reports must hold at least one submission's report, got none")
    task_names = list(reports[0].tasks)
    rates_figure, rates = pass_rates(reports, task_names)
    totals = [r.total for r in reports]
    rate_rows = "".join(f"<tr><td><code>{html.escape(t)}</code></td><td>{rate:.0%}</td></tr>"
                        for t, rate in zip(task_names, rates))
    return "\n".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>Class report</title><style>{STYLE}</style></head><body>",
        f"<h1>Class report: {len(reports)} submissions</h1>",
        f"<p>Median total {statistics.median(totals):g} of {reports[0].max_total}; "
        f"{sum(t == reports[0].max_total for t in totals)} full marks.</p>",
        "<h2>Scores</h2>", score_histogram(reports),
        "<h2>Tasks</h2>", rates_figure,
        f"<table><tr><th>Task</th><th>Passed</th></tr>{rate_rows}</table>",
        "<h2>Most common likely causes</h2>", diagnosis_table(reports, task_names),
        "<h2>Most common first failures</h2>", failure_table(reports, task_names),
        "<h2>Notebooks</h2>", cells_matched(reports), accuracy_against_score(reports),
        similarity.section(similar) if similar else "",
        "<h2>Submissions</h2>", submission_table(reports, task_names, folder),
        "</body></html>", ""])


def write_class_report(reports: Iterable[Report], out_dir: Path | str, folder: str = "",
                       similar: similarity.Similarity | None = None) -> Path:
    """Write out_dir/class_report.html for the submissions' `Report`s; return its path.

    Each submission links to ``<folder><name>/report.md``, relative to out_dir
    (grade_all passes ``"submissions/"``); `similar` adds the similarity section, whose
    pages lie in out_dir/similarity/.
    """
    out = Path(out_dir) / "class_report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    report.atomic(out, render(list(reports), folder, similar))
    return out
