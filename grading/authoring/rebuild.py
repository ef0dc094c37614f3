"""Task files rebuilt from the release, with a submission's region bodies put in.

As nbgrader restores locked cells, the grader never runs a submitted task file as it
stands: it takes the release's file (`release.stub_python`) and puts into each region
the body the submission wrote there, only where that region sits where the release has
it (`places`), and only where the body stays inside its region (`escapes`): same block,
no statement reaching past its markers. Code written elsewhere is named (`outside`) and
never runs.
"""

import ast
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any, NamedTuple

from grading.student import regions

# What a parser may raise on hostile text besides SyntaxError: a NUL byte, nesting too
# deep for the parser's stack or for memory.
UNPARSABLE = (SyntaxError, ValueError, RecursionError, MemoryError)


class Place(NamedTuple):
    """Where a code region sits: the blocks around it, from the module inward, and its indent.

    `blocks` names each enclosing statement: a def or class by its name, any other block
    by its keyword (``("LinearClassifier", "train", "for")``); `function` is the qualified
    name of the innermost def with its classes (``LinearClassifier.train``).
    """

    task: str
    blocks: tuple[str, ...]
    function: str
    indent: str
    line: int


def hollow(text: str, where: str) -> str:
    """`text` with every code region's body replaced by ``pass``: the code around the regions."""
    return regions.rewrite(text, "code", where, lambda region, body: [f"{region.indent}pass"])


KEYWORDS: dict[type[ast.AST], str] = {ast.FunctionDef: "def", ast.AsyncFunctionDef: "async def",
                                      ast.ClassDef: "class"}


def label(node: ast.AST) -> str:
    """How a block names itself in a `Place`: ``def train``, ``class LinearClassifier``, ``for``."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return f"{KEYWORDS[type(node)]} {node.name}"
    return type(node).__name__.lower()


def children(node: ast.AST) -> Iterator[list[Any]]:
    """The statement lists of a node (a def's body, an if's orelse, a try's handlers' bodies)."""
    for _, value in ast.iter_fields(node):
        if isinstance(value, list) and value and isinstance(value[0], (ast.stmt,
                                                                        ast.excepthandler,
                                                                        ast.match_case)):
            yield value


def statements(nodes: Iterable[ast.AST],
               chain: tuple[str, ...] = ()) -> Iterator[tuple[ast.stmt, tuple[str, ...]]]:
    """Yield (statement, labels of the blocks around it) for every statement, depth first."""
    for node in nodes:
        if isinstance(node, ast.stmt):
            yield node, chain
        inner = chain + (label(node),) if isinstance(node, ast.stmt) else chain
        for body in children(node):
            yield from statements(body, inner)


def places(text: str, where: str) -> list[Place]:
    """The `Place` of each code region of `text`, in order.

    Found on the code around the regions (`hollow`), so no region's body can move
    another's place. Raises MarkerError on bad markers and one of `UNPARSABLE` when the
    code around the regions does not parse.
    """
    text = hollow(text, where)
    found, tree = regions.find_regions(text, "code", where), ast.parse(text)
    # The `pass` standing for a region's body is the line after its start marker.
    chains = {node.lineno: chain for node, chain in statements(tree.body)
              if isinstance(node, ast.Pass)}
    result = []
    for region in found:
        chain = chains[region.start + 2]
        function = ".".join(part.split()[-1] for part in chain if part.split()[0] in
                            ("def", "class", "async"))
        result.append(Place(region.task, chain, function, region.indent, region.start + 1))
    return result


def body_lines(text: str, where: str) -> list[range]:
    """The 1-based line range of each code region's body of `text`, in order."""
    return [range(region.start + 2, region.end + 1)
            for region in regions.find_regions(text, "code", where)]


def skeleton(tree: ast.AST, ranges: Sequence[range]) -> str:
    """The AST dump of `tree` without the statements that lie wholly inside `ranges`."""
    def inside(node: ast.stmt) -> bool:
        return any(node.lineno in lines and node.end_lineno in lines for lines in ranges)

    def strip(node: ast.AST) -> ast.AST:
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                kept = [item for item in value
                        if not (isinstance(item, ast.stmt) and inside(item))]
                for item in kept:
                    if isinstance(item, ast.AST):
                        strip(item)
                setattr(node, field, kept)
        return node

    return ast.dump(strip(tree))


def escapes(released: str, text: str, where: str) -> str | None:
    """Why a region's code in the rebuilt `text` reaches outside its region, or None.

    Every statement of a body must lie wholly inside its region, in the block the release
    has the region in, and the code around the regions must be the release's: otherwise a
    body could dedent into module-level code, or open a string that swallows provided code.
    """
    try:
        tree = ast.parse(text)
    except UNPARSABLE as error:
        return f"{where}: a region's code does not parse in its place: {reason(error)}"
    ranges, want = body_lines(text, where), places(released, where)

    def check(nodes: Iterable[ast.AST], chain: tuple[str, ...]) -> str | None:
        for node in nodes:
            if isinstance(node, ast.stmt):
                hit = [n for n, lines in enumerate(ranges)
                       if node.lineno in lines or node.end_lineno in lines]
                if hit:  # a region's statement: wholly inside it, in the release's block
                    n = hit[0]
                    if not (node.lineno in ranges[n] and node.end_lineno in ranges[n]
                            and chain == want[n].blocks):
                        return (f"{where}:{node.lineno}: the code of region {n + 1} (task "
                                f"{want[n].task}) reaches outside the region or out of the "
                                f"block the release has it in ({' > '.join(want[n].blocks)})")
                    continue
            inner = chain + (label(node),) if isinstance(node, ast.stmt) else chain
            for body in children(node):
                problem = check(body, inner)
                if problem:
                    return problem
        return None

    problem = check(tree.body, ())
    if problem:
        return problem
    ours = ast.parse(hollow(released, where))
    if skeleton(tree, ranges) != skeleton(ours, body_lines(hollow(released, where), where)):
        return f"{where}: a region's code changes the code around the regions"
    return None


def reason(error: BaseException) -> str:
    """A parse error in a student's words."""
    if isinstance(error, SyntaxError):
        return f"{error.msg} (line {error.lineno})"
    if isinstance(error, (RecursionError, MemoryError)):
        return "it is nested too deeply to read"
    return str(error)


def rebuild(released: str, submitted: str, where: str,
            keep: Collection[str]) -> tuple[str, dict[str, str]]:
    """The released file with the submitted bodies of the regions of the tasks in `keep`.

    Everything outside those regions is the release's, as nbgrader restores locked
    cells: code a submission wrote elsewhere is never run. A task's bodies are taken
    only when its regions sit where the release has them (same functions and blocks,
    same indent, same number); otherwise its regions stay stubs.

    Returns
    -------
    text : str
        The rebuilt file.
    refused : dict of str to str
        For each task of `keep` whose regions were not taken, why, in a student's words.
    """
    try:
        theirs = places(submitted, where)
    except regions.MarkerError as error:
        return released, {task: str(error) for task in keep}
    except UNPARSABLE as error:
        return released, {task: f"{where} does not parse outside its regions: {reason(error)}"
                          for task in keep}
    ours = places(released, where)
    bodies: dict[str, list[list[str]]] = {}
    refused: dict[str, str] = {}
    lines = submitted.split("\n")
    for task in keep:
        want = [place for place in ours if place.task == task]
        have = [place for place in theirs if place.task == task]
        problem = misplaced(want, have, where)
        if problem:
            refused[task] = problem
            continue
        bodies[task] = [lines[region.start + 1:region.end]
                        for region in regions.find_regions(submitted, "code", where)
                        if region.task == task]

    def with_bodies(chosen: Iterable[str]) -> str:
        """The release with the bodies of the tasks `chosen`."""
        left = {task: list(bodies[task]) for task in chosen}

        def body(region: regions.Region, _: list[str]) -> list[str] | None:
            # `regions.rewrite` goes from the last region to the first.
            return left[region.task].pop() if region.task in left else None

        return regions.rewrite(released, "code", where, body)

    for task in list(bodies):  # each task's code must stay inside its own regions
        problem = escapes(released, with_bodies([task]), where)
        if problem:
            refused[task] = problem
            del bodies[task]
    return with_bodies(bodies), refused


def misplaced(want: Sequence[Place], have: Sequence[Place], where: str) -> str | None:
    """Why the submitted places `have` of a task's regions differ from the release's, or None."""
    if len(want) != len(have):
        return (f"{where}: the release has {len(want)} region(s) of task {want[0].task}, the "
                f"submission {len(have)}; keep every marker pair where the release has it")
    for number, (ours, theirs) in enumerate(zip(want, have), 1):
        if (ours.blocks, ours.indent) != (theirs.blocks, theirs.indent):
            inside = f"in {theirs.function}()" if theirs.function else "at module level"
            detail = f" ({' > '.join(theirs.blocks)})" if theirs.blocks else ""
            return (f"{where}:{theirs.line}: region {number} of task {ours.task} must sit in "
                    f"{ours.function}(), where the release has it; the submission has it "
                    f"{inside}{detail}, so it is not graded")
    return None


def outside(released: str, submitted: str, where: str) -> list[str]:
    """Where `submitted` has code of its own outside its regions, compared on the AST.

    Comments, blank lines and region bodies do not count. Returns short descriptions
    (``def _decoy (line 40)``); that code is ignored by the grader (`rebuild`).
    """
    try:
        ours, theirs = (ast.parse(hollow(text, where)) for text in (released, submitted))
    except (regions.MarkerError, *UNPARSABLE):
        return []  # `rebuild` already refused the file's tasks, saying why

    def described(nodes: Iterable[ast.stmt], prefix: str = "") -> dict[str, tuple[str, int]]:
        """{AST dump: (label, line)} of each statement, a class's methods one by one."""
        out: dict[str, tuple[str, int]] = {}
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                out.update(described(node.body, f"{node.name}."))
                node = ast.ClassDef(name=node.name, bases=node.bases, keywords=node.keywords,
                                    body=[], decorator_list=node.decorator_list)
            name = getattr(node, "name", None)
            label = (f"{KEYWORDS[type(node)]} {prefix}{name}" if name else
                     f"{ast.unparse(node).splitlines()[0][:40]!r}")
            out.setdefault(ast.dump(node), (label, getattr(node, "lineno", 0)))
        return out

    mine, release_nodes = described(theirs.body), described(ours.body)
    changed = [f"{label} (line {line})" for dump, (label, line) in mine.items()
               if dump not in release_nodes]
    labels = {label for label, _ in mine.values()}
    removed = [f"{label} (removed)" for dump, (label, _) in release_nodes.items()
               if dump not in mine and label not in labels]
    return changed + removed
