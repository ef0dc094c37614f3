"""A submitted notebook reduced to what rendering it for reading needs.

`clean_notebook` rebuilds the notebook from known fields, each of its expected
type, before nbconvert sees it; nbconvert's own sanitizer (bleach) then cleans
the HTML and markdown it keeps. What is kept, and why:

- outputs of the types in `MIME_TYPES` only, each rendered escaped (text/plain,
  error tracebacks, streams), bleach-cleaned (text/html, text/markdown) or as
  a base64 ``<img>`` (image/png, image/jpeg, whose data must be base64). Not
  image/svg+xml (SVG is markup that can carry scripts and handlers, and
  matplotlib's inline figures are PNG), not application/json or the widget and
  JavaScript types (nbconvert's HTML shows none of them);
- in output metadata, a numeric `width` and `height` per image type, nothing
  else: nbconvert writes them unquoted (``width=...``), and `filenames` would
  become an ``<img src>``;
- an integer execution count, which nbconvert writes unescaped;
- no cell attachments (each named one a blank), no cell or notebook metadata
  (tags, widget state, a title);
  raw cells are shown as escaped text.
"""

import html
import math
import re
from collections.abc import Mapping
from typing import Any

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

MIME_TYPES = ("text/plain", "text/html", "text/markdown", "image/png", "image/jpeg")
BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
STREAMS = ("stdout", "stderr")
ATTACHMENT = re.compile(r"attachment:([^\s)>\]\"']*)")


def _text(value: object) -> str | None:
    """A notebook string (a str, or a list of str as nbformat stores lines), else None."""
    if isinstance(value, list) and all(isinstance(line, str) for line in value):
        return "".join(value)
    return value if isinstance(value, str) else None


def _size(metadata: Mapping[str, Any], mime: str, key: str) -> float | None:
    """The numeric `key` (width or height) of `mime` in metadata, else None: never text.

    nbconvert writes them unquoted (``width=...``), so any text there would become markup.
    """
    own = metadata.get(mime)
    value: Any = own.get(key) if isinstance(own, dict) else None
    value = metadata.get(key) if value is None else value
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return value if is_number and math.isfinite(value) and value >= 0 else None


def clean_output(output: Any, count: int | None) -> Any:
    """The output rebuilt from known fields of expected types, else None (dropped)."""
    kind = output.get("output_type") if isinstance(output, dict) else None
    if kind == "stream" and output.get("name") in STREAMS and _text(output.get("text")):
        return new_output("stream", name=output["name"], text=_text(output["text"]))
    if kind == "error":
        lines = output.get("traceback")
        lines = [line for line in lines if isinstance(line, str)] if isinstance(lines, list) else []
        return new_output("error", ename=_text(output.get("ename")) or "",
                          evalue=_text(output.get("evalue")) or "", traceback=lines)
    if kind not in ("display_data", "execute_result") or not isinstance(output.get("data"), dict):
        return None
    texts = {mime: _text(value) for mime, value in output["data"].items() if mime in MIME_TYPES}
    data = {mime: text for mime, text in texts.items() if text is not None
            and (not mime.startswith("image/") or BASE64.fullmatch(text))}
    given = output.get("metadata") if isinstance(output.get("metadata"), dict) else {}
    metadata = {mime: {key: _size(given, mime, key) for key in ("width", "height")
                       if _size(given, mime, key) is not None}
                for mime in data if mime.startswith("image/")}
    metadata = {mime: sizes for mime, sizes in metadata.items() if sizes}
    if not data:
        return None
    extra = {"execution_count": count} if kind == "execute_result" else {}
    return new_output(kind, data=data, metadata=metadata, **extra)


def clean_notebook(nb: Mapping[str, Any]) -> Any:
    """A new notebook holding only what rendering needs, each field of its expected type.

    Code cells keep their source, an integer execution count and their cleaned
    outputs (`clean_output`); markdown cells their source, without attachments;
    raw cells and cells of unknown type are shown as escaped text. Cell and
    notebook metadata are dropped (tags, widget state, a title).
    """
    cells = []
    for index, cell in enumerate(c for c in nb.get("cells", []) if isinstance(c, dict)):
        source, kind = _text(cell.get("source")) or "", cell.get("cell_type")
        if kind == "code":
            count = cell.get("execution_count")
            count = count if type(count) is int else None
            outputs = cell.get("outputs")
            outputs = outputs if isinstance(outputs, list) else []
            outputs = [made for made in (clean_output(o, count) for o in outputs) if made]
            made = new_code_cell(source, execution_count=count, outputs=outputs)
        elif kind == "markdown":
            # The sanitizer escapes a markdown <img>, so no attachment ever shows; but
            # nbconvert refuses the notebook when one named is missing: each gets a blank.
            made = new_markdown_cell(source, attachments={
                name: {"text/plain": ""} for name in ATTACHMENT.findall(source)})
        else:
            made = new_markdown_cell(f"<pre>{html.escape(source)}</pre>")
        made["id"] = f"cell-{index}"  # the same page for the same notebook
        cells.append(made)
    return new_notebook(cells=cells, metadata={
        "language_info": {"name": "python", "pygments_lexer": "ipython3"}})
