"""How a re-executed notebook's outputs are compared with the stored ones (nbgrade runs it).

Comparison follows nbval, reusing its functions: streams coalesced, the
bundle's sanitize file (tests/nbval_sanitize.cfg) applied, cells marked
NBVAL_IGNORE_OUTPUT or NBVAL_SKIP (comment or tag) not compared, metadata,
tracebacks, execution counts and images skipped. stderr is not compared:
warnings depend on library versions, and a failing cell shows in its error.

On top of nbval's exact match, printed numbers get a tolerance, because a
student's laptop may have another BLAS or CPU. Texts match when they are equal
once every number is blanked out, and each pair of numbers matches:
integers exactly; other numbers a, b when
``|a - b| <= REL_TOL * max(|a|, |b|)`` or ``|a - b| <= ABS_TOL`` or they differ
by at most one unit in the last printed digit (0.327 vs 0.328 matches,
0.327 vs 0.330 does not). ABS_TOL covers values that are round-off noise by
nature, such as gradient-check relative errors of 1e-9.
"""

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import nbformat
from nbval.plugin import (
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
)

import data_utils
from grading.child import channel
from grading.student import regions
from grading.student.record import record  # the notebook's own record of its run

REL_TOL = 1e-4
ABS_TOL = 1e-6
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
SKIPPED = {"metadata", "traceback", "execution_count", "output_type", "name", "image/png",
           "image/jpeg", "application/vnd.jupyter.widget-view+json", "stream:stderr"}


def last_digit(token: str) -> Decimal:
    """One unit in the last printed digit of a number: '0.327' -> 0.001, '2.5e-07' -> 1e-08."""
    return Decimal(1).scaleb(int(Decimal(token).as_tuple().exponent))


def numbers_match(a: str, b: str) -> bool:
    """True if two printed numbers agree within the stated tolerance."""
    x, y = Decimal(a), Decimal(b)
    if not re.search(r"[.eE]", a + b):
        return x == y
    return (abs(x - y) <= max(last_digit(a), last_digit(b))
            or math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL))


def texts_match(stored: object, new: object) -> bool:
    """True if two sanitized texts are equal up to the tolerance on numbers."""
    if not isinstance(stored, str) or not isinstance(new, str):
        return stored == new
    a, b = NUMBER.findall(stored), NUMBER.findall(new)
    return (NUMBER.sub("#", stored) == NUMBER.sub("#", new) and len(a) == len(b)
            and all(map(numbers_match, a, b)))


def output_fields(cell: Mapping[str, Any],
                  patterns: Sequence[tuple[str, str]]) -> dict[str, list[Any]]:
    """Map each compared field (stream:stdout, text/plain, ename, ...) to its sanitized texts."""
    fields: dict[str, list[Any]] = {}
    for output in coalesce_streams([nbformat.from_dict(o) for o in cell.get("outputs", [])]):
        if output.output_type == "stream":
            items = {f"stream:{output.name}": output.text}
        else:
            items = {key: value for key, value in output.items() if key != "data"}
            items.update(output.get("data", {}))
        for key, value in items.items():
            if key not in SKIPPED:
                text = "".join(value) if isinstance(value, list) else value
                for regex, replace in patterns:
                    text = re.sub(regex, replace, text) if isinstance(text, str) else text
                fields.setdefault(key, []).append(text)
    return fields


def compared(cell: nbformat.NotebookNode) -> bool:
    """False for cells nbval would not compare (ignore-output or skip, by comment or tag)."""
    options = dict(find_comment_markers(cell.source))
    options.update(find_metadata_tags(cell.metadata))
    return options.get("check", True) and not options.get("skip", False)


def _show(fields: Mapping[str, Sequence[Any]]) -> str:
    """A short readable rendering of a cell's compared fields."""
    return channel.cap("\n".join(f"[{key}] {str(value).rstrip()}"
                             for key, values in fields.items() for value in values), 600)


def sanitize_patterns(bundle: Path | str) -> list[tuple[str, str]]:
    """The (regex, replace) pairs of the bundle's nbval sanitize file, [] if it has none."""
    path = Path(bundle) / "tests" / "nbval_sanitize.cfg"
    return get_sanitize_patterns(path.read_text(encoding="utf-8")) if path.exists() else []


def answers(nb: nbformat.NotebookNode, where: str) -> dict[str, str]:
    """Text of every answer region of the notebook, keyed by task id."""
    found: dict[str, str] = {}
    for _, kind, source, loc in regions.notebook_sources(nb, where):
        lines = source.split("\n")
        for region in regions.find_regions(source, kind, loc) if kind == "answer" else []:
            found[region.task] = "\n".join(lines[region.start + 1:region.end]).strip()
    return found


def choose_data(stored: nbformat.NotebookNode) -> tuple[str, Path | None]:
    """(dataset, folder or None): the notebook's own dataset, if this machine has it.

    The datasets present are data_utils.available_datasets(); the synthetic set
    is generated when missing. A notebook without a record runs on CIFAR-10
    when present, else on the synthetic set.
    """
    available = data_utils.available_datasets()
    fallback = "cifar10" if "cifar10" in available else "synthetic"
    dataset = record(stored).get("dataset") or fallback
    if dataset == "synthetic" and dataset not in available:
        available[dataset] = data_utils.ensure_synthetic()
    return dataset, available.get(dataset)
