"""Similarity across a class: which pairs of submissions share what their students wrote.

``python -m grading.similarity SUBMISSIONS_DIR --out DIR [--threshold T]``

Every folder and .zip directly inside SUBMISSIONS_DIR is one submission, read as
`grade_all` reads it (`grading.grader.unpack`). Only what students write is compared:
the bodies of the release's regions, each against the same region of the other
submission. The regions, and their stubs, are the release's (`grading.authoring.release`
applied to the bundle graded against), never what a submission's markers claim; the
lines of a region's stub are dropped from its body, so the provided code and the stubs
never count. Code regions and the notebook's written answers (its markdown answer
regions) are scored apart.

The fingerprints are copydetect's (winnowed k-grams, as MOSS takes them): code is
tokenized first, every name becoming one letter, so renaming changes nothing, and a
statement moved elsewhere keeps the k-grams inside it. A pair's score for a kind is the
share of both submissions' fingerprinted characters that the other matches, over all
regions of that kind (Dice's coefficient): 1 for a copy of everything, and a short
region that every student writes alike weighs little. A pair is flagged when either
score reaches the threshold: a reason to look, not a verdict (grading/README.md).

Writes DIR/similarity.csv (one row per flagged pair), and for each flagged pair
DIR/similarity/<a>--<b>.html, both submissions' matching regions side by side with the
matched text marked. `section` is the class report's part. Everything from a
submission is HTML-escaped.
"""

import argparse
import html
import io
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from pathlib import Path

import nbformat
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import highlight_overlap

from grading import report, tasks
from grading.authoring import release
from grading.grader import unpack
from grading.student import regions

# k-gram lengths in characters. Code's are counted after tokenizing, where every name
# is one letter: 25 is copydetect's default noise threshold, about two short statements.
# Prose is compared as written (whitespace collapsed), where 40 characters are 6 to 8 words.
CODE_K = 25
TEXT_K = 40
# Every k-gram is a fingerprint (a winnowing window of 1, copydetect's default). A wider
# window picks k-grams by their hash, and Python salts str hashes per process
# (PYTHONHASHSEED), so its scores would change from run to run.
WINDOW = 1
# Characters of a region's body compared: the solution's longest is under 2,000, and a
# body of megabytes would hold the whole class up in the tokenizer.
MAX_BODY = 50_000
THRESHOLD = 0.6  # the default; grading/README.md gives the scores it was chosen from
TOP_PAIRS = 10  # pairs listed in the class report
FOLDER = "similarity"  # DIR/similarity/: the pages of the flagged pairs
STYLE = ("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:.2em .5em;vertical-align:top;text-align:left}"
         "pre{white-space:pre-wrap;margin:0}mark{background:#fd8}")


@dataclass(frozen=True)
class Part:
    """One region of the release: where it is, and its stub's lines.

    `label` names it in the outputs: its task, and which of the task's regions it is
    when there are several ("linear_classifier (2 of 3)"). `kind` is "code" or
    "answer"; `index` counts the task's regions in `file`, from 0.
    """

    label: str
    file: str
    kind: str
    task: str
    index: int
    stub: frozenset[str]


@dataclass(frozen=True)
class Pair:
    """Two submissions' scores, in [0, 1], and each region's own where they share any.

    `code_regions` and `answer_regions` map a region's label to its score; `flagged`
    when a score reaches the threshold.
    """

    a: str
    b: str
    code: float
    answers: float
    code_regions: dict[str, float]
    answer_regions: dict[str, float]
    flagged: bool

    @property
    def score(self) -> float:
        """The higher of the two scores: the order in which pairs are listed."""
        return max(self.code, self.answers)


@dataclass(frozen=True)
class Similarity:
    """The class compared: every pair, highest score first, and what could not be read.

    `fingerprints` holds each submission's {label: fingerprint} for the pages;
    `problems` maps a submission to why (some of) it was not compared.
    """

    names: list[str]
    pairs: list[Pair]
    threshold: float
    fingerprints: dict[str, dict[str, CodeFingerprint]]
    problems: dict[str, str]

    @cached_property
    def flagged(self) -> list[Pair]:
        """The flagged pairs, highest score first."""
        return [pair for pair in self.pairs if pair.flagged]

    @cached_property
    def pages(self) -> dict[tuple[str, str], str]:
        """{(a, b): page} of the flagged pairs, relative to the output folder: numbered by
        rank, so that no submission's name makes a path."""
        return {(pair.a, pair.b): f"{FOLDER}/pair-{rank:03d}.html"
                for rank, pair in enumerate(self.flagged, 1)}


def release_parts(bundle: Path | str = tasks.BUNDLE) -> list[Part]:
    """The regions of the release of `bundle`, with their stubs, in file order.

    Raises FileNotFoundError naming a submission file the bundle lacks.
    """
    bundle, parts = Path(bundle), []
    for rel in tasks.SUBMISSION_FILES:
        if not (bundle / rel).is_file():
            raise FileNotFoundError(f"bundle must hold the release's {rel}, but {bundle} has "
                                    "none: pass the bundle whose release was handed out")
        if rel == tasks.NOTEBOOK:
            nb = release.stub_notebook(nbformat.read(bundle / rel, as_version=4), rel)
            sources = [(kind, source) for _, kind, source, _ in regions.notebook_sources(nb, rel)]
        else:
            sources = [("code", release.stub_python((bundle / rel).read_text("utf-8"), rel))]
        found = [(kind, region, body) for kind, source in sources
                 for region, body in _regions(source, kind, rel)]
        for kind, region, body in found:
            same = [r for _, r, _ in found if r.task == region.task]
            index = next(n for n, r in enumerate(same) if r is region)
            label = region.task + (f" ({index + 1} of {len(same)})" if len(same) > 1 else "")
            parts.append(Part(label, rel, kind, region.task, index,
                              frozenset(line.strip() for line in body if line.strip())))
    return parts


def _regions(text: str, kind: str, where: str) -> list[tuple[regions.Region, list[str]]]:
    """(region, body lines) of each region of `text`."""
    lines = text.split("\n")
    return [(region, lines[region.start + 1:region.end])
            for region in regions.find_regions(text, kind, where)]


def sources(files: Mapping[str, bytes]) -> dict[str, list[tuple[str, str]]]:
    """{file: [(kind, text), ...]} of a submission's files: a .py file whole, a notebook's
    code and markdown cells one by one."""
    found: dict[str, list[tuple[str, str]]] = {}
    for rel, data in files.items():
        text = data.decode("utf-8", "replace")
        if rel == tasks.NOTEBOOK:
            nb = nbformat.reads(text, as_version=4)
            found[rel] = [(kind, source)
                          for _, kind, source, _ in regions.notebook_sources(nb, rel)]
        else:
            found[rel] = [("code", text)]
    return found


def bodies(files: Mapping[str, bytes], parts: Sequence[Part]) -> tuple[dict[str, str], list[str]]:
    """({label: body} of the regions a submission wrote, [problems]).

    A part's body is the `index`-th region of its task in its file, without its stub's
    lines, cut at MAX_BODY characters; a region left as the stub, or empty, is not
    written. A file whose markers are broken is left out, and named in the problems.
    """
    written, problems = {}, []
    try:
        texts = sources(files)
    except Exception as error:  # whatever the notebook holds, the rest is compared
        texts = sources({rel: data for rel, data in files.items() if rel != tasks.NOTEBOOK})
        problems.append(f"{tasks.NOTEBOOK} cannot be read ({type(error).__name__})")
    for rel, pieces in texts.items():
        try:
            found = [(kind, region, body) for kind, text in pieces
                     for region, body in _regions(text, kind, rel)]
        except regions.MarkerError as error:
            problems.append(str(error)[:300])
            continue
        for part in (part for part in parts if part.file == rel):
            same = [body for kind, region, body in found
                    if kind == part.kind and region.task == part.task]
            own = [line for line in same[part.index] if line.strip() not in part.stub] \
                if part.index < len(same) else []
            if any(line.strip() for line in own):
                written[part.label] = "\n".join(own)[:MAX_BODY]
    return written, problems


def fingerprint(part: Part, body: str) -> CodeFingerprint:
    """The fingerprint (copydetect's) of a region's body: code tokenized as Python, prose as
    written with its whitespace collapsed."""
    if part.kind == "code":
        return CodeFingerprint(part.label, CODE_K, WINDOW, fp=io.StringIO(body),
                               language="python")
    return CodeFingerprint(part.label, TEXT_K, WINDOW, filter=False,
                           fp=io.StringIO(" ".join(body.split())))


def fingerprints(submission: Path, parts: Sequence[Part]) -> tuple[dict[str, CodeFingerprint],
                                                                    list[str]]:
    """({label: fingerprint} of the regions a submission wrote, [problems])."""
    try:
        written, problems = bodies(unpack.read(submission), parts)
    except (unpack.SubmissionError, OSError) as error:
        return {}, [str(error)[:300]]
    by_label = {part.label: part for part in parts}
    return {label: fingerprint(by_label[label], body) for label, body in written.items()}, \
        problems


def shared(a: CodeFingerprint, b: CodeFingerprint) -> float:
    """The characters of `a` and `b` that the other matches, together."""
    if a.hashes.isdisjoint(b.hashes):
        return 0.0
    _, (share_a, share_b), _ = compare_files(a, b)
    return float(share_a * a.token_coverage + share_b * b.token_coverage)


def compare(a: Mapping[str, CodeFingerprint], b: Mapping[str, CodeFingerprint],
            labels: Sequence[str]) -> tuple[float, dict[str, float]]:
    """(score, {label: region score}) of two submissions over the regions `labels`.

    Both scores are Dice's coefficient on fingerprinted characters: what both match of
    each other, over all they have. A region only one wrote counts in the whole.
    """
    total, matched, each = 0.0, 0.0, {}
    for label in labels:  # in a fixed order, so that the float sums repeat
        size = sum(float(side[label].token_coverage) for side in (a, b) if label in side)
        common = shared(a[label], b[label]) if label in a and label in b else 0.0
        total, matched = total + size, matched + common
        if common:
            each[label] = common / size
    return (matched / total if total else 0.0), each


def pair(names: tuple[str, str], found: Mapping[str, Mapping[str, CodeFingerprint]],
         parts: Sequence[Part], threshold: float) -> Pair:
    """The `Pair` of two submissions: their scores on code and on answers."""
    a, b = (found[name] for name in names)
    code, code_regions = compare(a, b, [p.label for p in parts if p.kind == "code"])
    answers, answer_regions = compare(a, b, [p.label for p in parts if p.kind == "answer"])
    return Pair(*names, code, answers, code_regions, answer_regions,
                flagged=max(code, answers) >= threshold)


def check_threshold(threshold: float) -> None:
    """Refuse a threshold outside (0, 1] with a ValueError saying why."""
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold!r}: it is the share "
                         "of both submissions' fingerprinted text that matches the other's")


def similarity(found: Mapping[str, Path], bundle: Path | str = tasks.BUNDLE,
               threshold: float = THRESHOLD) -> Similarity:
    """Compare every pair of the submissions `found`, {name: folder or zip}.

    The regions compared are the release's of `bundle`, the bundle graded against.
    """
    check_threshold(threshold)
    parts = release_parts(bundle)
    prints, problems = {}, {}
    for name, path in found.items():
        prints[name], trouble = fingerprints(path, parts)
        if trouble:
            problems[name] = "; ".join(trouble)
    names = sorted(found)
    pairs = [pair(two, prints, parts, threshold) for two in combinations(names, 2)]
    pairs.sort(key=lambda p: (-p.score, p.a, p.b))
    return Similarity(names, pairs, threshold, prints, problems)


def listed(scores: Mapping[str, float]) -> str:
    """Regions and their scores, as one CSV cell: "softmax_naive 0.86; train_grid 0.98"."""
    return "; ".join(f"{label} {score:.2f}" for label, score in scores.items())


def rows(result: Similarity) -> list[dict[str, object]]:
    """The rows of similarity.csv: one per flagged pair, highest score first."""
    return [{"submission_a": pair.a, "submission_b": pair.b,
             "code_score": round(pair.code, 3), "answers_score": round(pair.answers, 3),
             "code_regions": listed(pair.code_regions),
             "answers_matched": listed(pair.answer_regions), "page": result.pages[pair.a, pair.b]}
            for pair in result.flagged]


def marked(a: CodeFingerprint, b: CodeFingerprint) -> tuple[str, str]:
    """The two regions' texts, HTML-escaped, with what each matches of the other marked."""
    _, _, slices = compare_files(a, b)
    left, right = (str(highlight_overlap(side.raw_code, cut, "<mark>", "</mark>",
                                         escape_html=True)[0]) if len(cut[0])
                   else html.escape(side.raw_code) for side, cut in zip((a, b), slices))
    return left, right


def page(result: Similarity, pair: Pair) -> str:
    """The HTML page of a flagged pair: its shared regions side by side, matches marked."""
    a, b = result.fingerprints[pair.a], result.fingerprints[pair.b]
    names = [html.escape(name) for name in (pair.a, pair.b)]
    rows = []
    for label, score in {**pair.code_regions, **pair.answer_regions}.items():
        left, right = marked(a[label], b[label])
        rows.append(f"<tr><th colspan=2>{html.escape(label)}: {score:.2f}</th></tr>"
                    f"<tr><td><pre>{left}</pre></td><td><pre>{right}</pre></td></tr>")
    return "\n".join([
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        f"<title>{names[0]} and {names[1]}</title><style>{STYLE}</style></head><body>",
        f"<h1>{names[0]} and {names[1]}</h1>",
        f"<p>Code {pair.code:.2f}, answers {pair.answers:.2f} (flagged at "
        f"{result.threshold:.2f}): a reason to look, not a verdict. Marked: the text each "
        "matches of the other, after names are made alike; answers are shown with their "
        "whitespace collapsed.</p>",
        f"<table><tr><th>{names[0]}</th><th>{names[1]}</th></tr>{''.join(rows)}</table>",
        "</body></html>", ""])


def write(result: Similarity, out: Path | str) -> Path:
    """Write out/similarity.csv and the flagged pairs' pages under out/similarity/; the CSV."""
    out = Path(out)
    (out / FOLDER).mkdir(parents=True, exist_ok=True)
    for pair in result.flagged:
        report.atomic(out / result.pages[pair.a, pair.b], page(result, pair))
    fields = ["submission_a", "submission_b", "code_score", "answers_score", "code_regions",
              "answers_matched", "page"]
    report.write_csv(out / "similarity.csv", rows(result), fields)
    return out / "similarity.csv"


def shade(score: float) -> str:
    """A heat map cell's colour: white at 0, red at 1."""
    level = round(255 * (1 - min(max(score, 0.0), 1.0)))
    return f"#ff{level:02x}{level:02x}"


def heat_map(result: Similarity) -> str:
    """A table of every pair's higher score, one row and column per submission."""
    scores = {(pair.a, pair.b): pair for pair in result.pairs}
    head = "".join(f'<th title="{html.escape(name)}">{n}</th>'
                   for n, name in enumerate(result.names, 1))
    lines = []
    for n, a in enumerate(result.names, 1):
        cells = []
        for b in result.names:
            pair = scores.get((a, b)) or scores.get((b, a))
            cells.append("<td></td>" if pair is None or pair.score < 0.01 else
                         f'<td style="background:{shade(pair.score)}" title="code '
                         f'{pair.code:.2f}, answers {pair.answers:.2f}"></td>')
        lines.append(f"<tr><th>{n} {html.escape(a)}</th>{''.join(cells)}</tr>")
    return (f'<table class="heat"><tr><th></th>{head}</tr>{"".join(lines)}</table>')


def section(result: Similarity, folder: str = "") -> str:
    """The class report's similarity section: the most similar pairs, then the heat map.

    Links to the flagged pairs' pages are relative to the report, under `folder`.
    """
    rows = []
    for pair in result.pairs[:TOP_PAIRS]:
        page = result.pages.get((pair.a, pair.b))
        flag = f'<a href="{html.escape(folder + page)}">flagged</a>' if page else "-"
        rows.append(f"<tr><td>{html.escape(pair.a)}</td><td>{html.escape(pair.b)}</td>"
                    f"<td>{pair.code:.2f}</td><td>{pair.answers:.2f}</td><td>{flag}</td></tr>")
    unread = "".join(f"<li>{html.escape(name)}: {html.escape(problem)}</li>"
                     for name, problem in result.problems.items())
    return "\n".join([
        "<h2>Similarity</h2>",
        f"<p>{len(result.flagged)} of {len(result.pairs)} pairs flagged at "
        f"{result.threshold:.2f}: a reason to look, not a verdict (grading/README.md). "
        "Scores compare only what students wrote in the regions: code, and the written "
        "answers, apart.</p>",
        "<table><tr><th>Submission</th><th>Submission</th><th>Code</th><th>Answers</th>"
        f"<th>Flag</th></tr>{''.join(rows)}</table>",
        f"<ul>{unread}</ul>" if unread else "",
        "<h3>Heat map</h3><p>The higher of the two scores of each pair, white 0 to red 1.</p>",
        "<style>.heat td{width:.7em;height:.7em;padding:0}</style>",
        heat_map(result)])


def main(argv: Sequence[str] | None = None) -> int:
    """Compare a folder of submissions from the command line; the exit status."""
    parser = argparse.ArgumentParser(prog="python -m grading.similarity",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("folder", metavar="SUBMISSIONS_DIR", help="submission folders and zips")
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="where similarity.csv and the pages go")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help="flag a pair whose code or answers score reaches this "
                             "(default: %(default)s)")
    parser.add_argument("--bundle", type=Path, default=tasks.BUNDLE,
                        help="the bundle whose release was handed out (default: this one)")
    args = parser.parse_args(argv)
    if not Path(args.folder).is_dir():
        print(f"similarity: SUBMISSIONS_DIR must be a folder, got {args.folder}",
              file=sys.stderr)
        return 2
    try:
        result = similarity(unpack.submissions(args.folder), args.bundle, args.threshold)
    except (ValueError, FileNotFoundError) as error:
        print(f"similarity: {error}", file=sys.stderr)
        return 2
    for name, problem in result.problems.items():
        print(f"similarity: {name}: {problem}", file=sys.stderr)
    written = write(result, args.out)
    print(f"similarity: {len(result.flagged)} of {len(result.pairs)} pairs flagged at "
          f"{result.threshold}; see {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
