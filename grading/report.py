"""Write a grading report as report.json (for tools) and report.md (for people).

Everything in a report that came from a submission (messages, sources,
outputs, answers, names) is quoted escaped: markdown punctuation gets a
backslash, and blocks sit in a code fence longer than any run of backticks
they hold, so no quote can close its fence, forge a heading or a total, or
break the table. Both files are written to temporary names and renamed.
"""

import csv
import io
import json
import os
import re

SPLITS = ("train", "val", "test")
MARKDOWN = re.compile(r"([\\`*{}\[\]<>()#+\-.!|~$&])")
# A spreadsheet reads a cell starting with one of these as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape(text, limit=2000):
    """One line of untrusted text, safe inside markdown prose or a table cell."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[:limit] + " ..."
    return MARKDOWN.sub(r"\\\1", text)


def fence(text, language=""):
    """Untrusted multi-line text as a code block that it cannot close."""
    text = str(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    marks = "`" * max(3, longest + 1)
    return [marks + language, text, marks]


def atomic(path, text):
    """Write text to path through a temporary file and a rename: never half-written."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, "utf-8")
    os.replace(temporary, path)


def csv_cell(value):
    """The cell a spreadsheet shows and never runs: text starting a formula gets a quote.

    OWASP's advice against CSV injection: text beginning with ``= + - @``, a tab
    or a carriage return is prefixed with ``'``. Only text is changed: numbers
    (ints and floats, such as a total of -1.5) are the grader's own and stay numbers.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(path, rows, fieldnames):
    """Write rows (dicts) to path as UTF-8 CSV, header and every cell through `csv_cell`.

    Written to a temporary name and renamed, so it is never half-written. Every
    CSV the grader writes goes through here.
    """
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow([csv_cell(name) for name in fieldnames])
    writer.writerows([csv_cell(row.get(name, "")) for name in fieldnames] for row in rows)
    atomic(path, text.getvalue())


def write(report, out):
    """Write report.json and report.md into the folder `out`."""
    out.mkdir(parents=True, exist_ok=True)
    atomic(out / "report.json", json.dumps(report, indent=2) + "\n")
    atomic(out / "report.md", markdown(report))


def markdown(report):
    """The report as markdown: scores, notebook comparison, material for manual marking."""
    lines = [f"# Grading report: {escape(report['submission'])}", "",
             f"**Total: {report['total']} / {report['max_total']}** (automatically graded)", ""]
    if report.get("isolation"):
        lines += [f"Isolation: {escape(report['isolation'])}", ""]
    if report["problems"]:
        lines += [f"- {escape(problem)}" for problem in report["problems"]] + [""]
    lines += ["| Task | Result | Points | First failure |", "|---|---|---|---|"]
    for task, entry in report["tasks"].items():
        lines.append(f"| `{task}` | {'passed' if entry['passed'] else 'failed'} | "
                     f"{entry['points']} / {entry['max_points']} | "
                     f"{escape(entry.get('message') or '', 600)} |")
    lines += ["", "## Points by group of tests", "",
              "| Task | Group | Result | Points | First failure |", "|---|---|---|---|---|"]
    for task, entry in report["tasks"].items():
        for group, part in entry.get("groups", {}).items():
            lines.append(f"| `{task}` | `{group}` | {'passed' if part['passed'] else 'failed'} "
                         f"| {part['points']} / {part['max_points']} | "
                         f"{escape(part.get('message') or '', 300)} |")
    notes = [f"- `{task}`: {escape(note, 300)}" for task, entry in report["tasks"].items()
             for note in entry.get("notes", [])]
    if notes:  # what the grader refused to take from the submission, at no cost
        lines += ["", "Notes, which cost no points:", "", *notes]
    lines += [""] + manual_section(report)
    if report.get("readable"):  # the notebook as HTML and PDF (`grading.course.export.render`)
        lines += ["For reading: " + "; ".join(f"{escape(name)} {escape(outcome, 300)}"
                                              for name, outcome in report["readable"].items()), ""]
    return "\n".join(lines + notebook_section(report["notebook"])) + "\n"


def manual_section(report):
    """The points given by hand and the final total, once marks are merged
    (`grading.course.manual`)."""
    if "manual" not in report:
        return []
    lines = ["## Manual marks", "", "| Task | Points | Comment |", "|---|---|---|"]
    for task, entry in report["manual"].items():
        points = ("not marked yet" if entry["points"] is None
                  else f"{entry['points']:g} / {entry['max_points']}")
        lines.append(f"| `{task}` | {points} | {escape(entry['comment'], 600)} |")
    return lines + ["", f"**Final total: {report['final_total']:g} / "
                        f"{report['max_final_total']}** (automatic {report['total']} + manual "
                        f"{report['manual_total']:g} / {report['max_manual_total']})", ""]


def notebook_section(nb):
    """The notebook's comparison, the accuracies measured and printed, and the answers."""
    lines = ["## Notebook", "", f"- Status: {escape(nb['status'])}",
             f"- Dataset: {escape(nb['dataset'] or 'unknown')}",
             f"- Cells matched: {nb['cells_matched']} / {nb['cells_total']}"]
    if nb.get("same_release") is False:
        lines.append("- Release: the notebook does not carry this bundle's release stamp")
    if nb.get("modified_cells"):
        lines.append(f"- Release cells modified or removed: {nb['modified_cells']}")
    if nb.get("added_cells"):
        lines.append(f"- Cells added by the student (re-executed, not compared): "
                     f"{nb['added_cells']}")
    lines.append("")
    mismatch = nb.get("first_mismatch")
    if mismatch:
        lines += [f"First mismatching cell: {mismatch['cell']}", "",
                  *fence(mismatch["source"], "python"), "", "Stored output:", "",
                  *fence(mismatch["stored"]), "", "Re-executed output:", "",
                  *fence(mismatch["re-executed"]), ""]
    lines += accuracy_section(nb) + ["## Answers, for manual marking", ""]
    for task, answer in nb.get("answers", {}).items():
        lines += [f"### `{task}`", "", *fence(answer or "(no answer)"), ""]
    return lines if nb.get("answers") else lines + ["(no answer regions found)"]


def accuracy_section(nb):
    """The tuned classifier's accuracy measured by the grader, beside what the notebook printed.

    The grader's measure comes from the weights the re-executed notebook saved
    (`grading.grader.measure`); the notebook's record is what the submission's code printed.
    """
    measured, printed = nb.get("accuracy_measured"), nb.get("accuracy") or {}
    if not (measured or printed or nb.get("weights")):
        return []
    lines = ["### Accuracy: measured by the grader, and printed by the notebook", "",
             "Measured by the grader: computed by the grader itself from the weights W the "
             "re-executed notebook saved. Printed by the notebook: what the submission's code "
             "printed, which its own code decides; trust the grader's measure.", ""]
    if nb.get("weights"):
        lines += [f"- Weights: {escape(nb['weights'])}", ""]
    rows = [("measured by the grader", "tuned softmax, from its saved W", measured)] \
        if measured else []
    rows += [("printed by the notebook", method, accuracy) for method, accuracy in printed.items()]
    if rows:
        lines += ["| Source | Method | Train | Validation | Test |", "|---|---|---|---|---|"]
    for source, method, accuracy in rows:
        cells = [f"{accuracy[split]:.3f}" if isinstance(accuracy.get(split), (int, float))
                 else "-" for split in SPLITS]
        lines.append(f"| {source} | {escape(method, 100)} | " + " | ".join(cells) + " |")
    return lines + [""]
