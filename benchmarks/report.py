"""The benchmark table: rows, number formats, and the machine they ran on."""

import dataclasses
import os
import platform

import numpy as np
from threadpoolctl import threadpool_info

HEADERS = ("Row", "Shape", "Measured", "Ratio", "Floor", "Met")


@dataclasses.dataclass
class Row:
    """One line of the table; ``value <= limit`` is the floor, when there is one."""

    name: str
    shape: str
    measured: str
    ratio: str = ""
    floor: str = ""
    value: float | None = None
    limit: float | None = None

    def met(self, judge=True):
        """'yes' or 'no' when the row has a floor to judge, else ''."""
        if self.limit is None:
            return ""
        if self.value is None:
            return "n/a"
        if not judge:
            return "not judged"
        return "yes" if self.value <= self.limit else "NO"


def format_table(rows, judge=True):
    """The rows as a Markdown table, columns padded so it reads in a terminal too."""
    cells = [HEADERS] + [(r.name, r.shape, r.measured, r.ratio, r.floor, r.met(judge))
                         for r in rows]
    widths = [max(len(line[k]) for line in cells) for k in range(len(HEADERS))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(line, widths)) + " |"
             for line in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def seconds(t):
    """A duration to 3 significant digits: '612 µs', '9.71 ms', '1.24 s'."""
    if t < 1e-3:
        return f"{t * 1e6:.3g} µs"
    return f"{t * 1e3:.3g} ms" if t < 1 else f"{t:.3g} s"


def gibibytes(num_bytes):
    """A byte count as GiB with two decimals."""
    return f"{num_bytes / 2**30:.2f} GiB"


def ratio(r):
    """'1.05x' for a ratio above 1, '0.48 (2.1x faster)' below it."""
    return f"{r:.3g}x" if r >= 1 else f"{r:.2g} ({1 / r:.1f}x faster)"


def shape(*dims):
    """Dimensions written as 500x3073x10."""
    return "x".join(str(d) for d in dims)


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description():
    """Lines naming the CPU, cores, Python, numpy and the BLAS numpy calls."""
    blas = [f"{info['internal_api']} {info['version']} ({info.get('architecture')} kernel, "
            f"{info['num_threads']} threads, {info.get('threading_layer')})"
            for info in threadpool_info() if info["user_api"] == "blas"]
    lines = [f"CPU: {_cpu_model()}, {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} "
             f"usable), {platform.system()} {platform.machine()}",
             f"Python {platform.python_version()}, numpy {np.__version__}, "
             f"BLAS: {'; '.join(blas) or 'none found by threadpoolctl'}"]
    if "OPENBLAS_CORETYPE" in os.environ:
        lines.append(f"OPENBLAS_CORETYPE={os.environ['OPENBLAS_CORETYPE']} (left as set)")
    return lines


def print_report(title, rows, notes, judge=True):
    """Print the machine, the table and its notes to stdout."""
    print(title)
    print()
    for line in machine_description():
        print(f"- {line}")
    print()
    print(format_table(rows, judge))
    print()
    for note in notes:
        print(f"- {note}")
