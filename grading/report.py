"""Write a grading report as report.json (for tools) and report.md (for people)."""

import json


def write(report, out):
    """Write report.json and report.md into the folder `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    (out / "report.md").write_text(markdown(report), encoding="utf-8")


def markdown(report):
    """The report as markdown: scores, notebook comparison, material for manual marking."""
    lines = [f"# Grading report: {report['submission']}", "",
             f"**Total: {report['total']} / {report['max_total']}** (automatically graded tasks)", ""]
    lines += [f"- {problem}" for problem in report["problems"]] + ([""] if report["problems"] else [])
    lines += ["| Task | Result | Points | First failure |", "|---|---|---|---|"]
    for task, entry in report["tasks"].items():
        result = "passed" if entry["passed"] else "failed"
        lines.append(f"| `{task}` | {result} | {entry['points']} / {entry['max_points']} | "
                     f"{_cell(entry.get('message') or '')} |")
    lines += [""] + _notebook(report["notebook"])
    return "\n".join(lines) + "\n"


def _notebook(nb):
    """The notebook section: comparison, recorded accuracies, answers."""
    lines = ["## Notebook", "", f"Status: {nb['status']}", f"Dataset: {nb['dataset'] or 'unknown'}",
             f"Cells matched: {nb['cells_matched']} / {nb['cells_total']}", ""]
    mismatch = nb.get("first_mismatch")
    if mismatch:
        lines += [f"First mismatching cell: {mismatch['cell']}", "", "```python", mismatch["source"], "```",
                  "", "Stored output:", "", "```", mismatch["stored"], "```", "",
                  "Re-executed output:", "", "```", mismatch["re-executed"], "```", ""]
    accuracy = nb.get("accuracy")
    if accuracy:
        lines += ["### Accuracies recorded by the re-executed notebook", "",
                  "| Method | Train | Validation | Test |", "|---|---|---|---|"]
        lines += [f"| {method} | " + " | ".join(_number(acc.get(split)) for split in ("train", "val", "test"))
                  + " |" for method, acc in accuracy.items()]
        lines.append("")
    lines += ["## Answers, for manual marking", ""]
    for task, answer in nb.get("answers", {}).items():
        quoted = "\n".join("> " + line for line in answer.splitlines()) if answer else "> (no answer)"
        lines += [f"### `{task}`", "", quoted, ""]
    if not nb.get("answers"):
        lines.append("(no answer regions found)")
    return lines


def _cell(text):
    """Text that fits in one markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _number(value):
    return f"{value:.3f}" if isinstance(value, (int, float)) else "-"
