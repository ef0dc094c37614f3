"""Write a grading report as report.json (for tools) and report.md (for people)."""

import json

SPLITS = ("train", "val", "test")


def write(report, out):
    """Write report.json and report.md into the folder `out`."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    (out / "report.md").write_text(markdown(report), "utf-8")


def markdown(report):
    """The report as markdown: scores, notebook comparison, material for manual marking."""
    lines = [f"# Grading report: {report['submission']}", "",
             f"**Total: {report['total']} / {report['max_total']}** (automatically graded)", ""]
    if report["problems"]:
        lines += [f"- {problem}" for problem in report["problems"]] + [""]
    lines += ["| Task | Result | Points | First failure |", "|---|---|---|---|"]
    for task, entry in report["tasks"].items():
        message = (entry.get("message") or "").replace("|", "\\|")
        lines.append(f"| `{task}` | {'passed' if entry['passed'] else 'failed'} | "
                     f"{entry['points']} / {entry['max_points']} | {message} |")
    return "\n".join(lines + [""] + notebook_section(report["notebook"])) + "\n"


def notebook_section(nb):
    """The notebook's comparison, the accuracies it recorded, and the answers."""
    lines = ["## Notebook", "", f"- Status: {nb['status']}",
             f"- Dataset: {nb['dataset'] or 'unknown'}",
             f"- Cells matched: {nb['cells_matched']} / {nb['cells_total']}", ""]
    mismatch = nb.get("first_mismatch")
    if mismatch:
        lines += [f"First mismatching cell: {mismatch['cell']}", "",
                  "```python", mismatch["source"], "```", "",
                  "Stored output:", "", "```", mismatch["stored"], "```", "",
                  "Re-executed output:", "", "```", mismatch["re-executed"], "```", ""]
    if nb.get("accuracy"):
        lines += ["### Accuracies recorded by the re-executed notebook", "",
                  "| Method | Train | Validation | Test |", "|---|---|---|---|"]
        for method, accuracy in nb["accuracy"].items():
            cells = [f"{accuracy[split]:.3f}" if isinstance(accuracy.get(split), (int, float))
                     else "-" for split in SPLITS]
            lines.append(f"| {method} | " + " | ".join(cells) + " |")
        lines.append("")
    lines += ["## Answers, for manual marking", ""]
    for task, answer in nb.get("answers", {}).items():
        quoted = [f"> {line}" for line in answer.splitlines()] or ["> (no answer)"]
        lines += [f"### `{task}`", "", *quoted, ""]
    return lines if nb.get("answers") else lines + ["(no answer regions found)"]
