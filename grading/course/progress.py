"""Progress of a long grading run: a bar with an ETA on a terminal, plain lines otherwise.

On a terminal tqdm draws one bar that counts submissions and estimates the time
left; in a log file or a pipe a redrawn bar would be noise, so each finished
submission gets one line instead.
"""

import sys
from typing import TextIO

from tqdm import tqdm


class Progress:
    """Count `total` items as they finish: ``progress.done(name, summary)``, then ``close()``.

    Parameters
    ----------
    total : int
        How many items the run will finish.
    stream : file, optional
        Where to write (default: sys.stderr); a bar only if it is a terminal.
    """

    def __init__(self, total: int, stream: TextIO | None = None,
                 what: str = "submissions") -> None:
        self.total, self.count = total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.bar = (tqdm(total=total, file=self.stream, unit=" " + what, dynamic_ncols=True)
                    if self.stream.isatty() else None)

    def done(self, name: str, summary: str) -> None:
        """Record that the item `name` finished, with a one-line `summary` of its result."""
        self.count += 1
        if self.bar is not None:
            self.bar.set_postfix_str(f"{name}: {summary}", refresh=False)
            self.bar.update(1)
        else:
            print(f"[{self.count}/{self.total}] {name}: {summary}", file=self.stream, flush=True)

    def close(self) -> None:
        """End the bar, if there is one."""
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
