"""The report's "What each UI shows": the screenshots `./lab screenshots` stored, Airflow beside Prefect.

The pictures live in `docs/screenshots/`, committed, so the docs render on a forge; `./lab screenshots`
regenerates them. Only files already there are shown, by relative links, so the report stays a pure
function of stored files and the section is simply absent until the pictures exist.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

from comparisons.ui_tour import SCREENSHOT_VIEWS

__all__ = ["screenshots_section"]

TITLE = "What each UI shows"
INTRO = ("The same pipeline in each orchestrator's own UI, Airflow on the left and Prefect on the right, "
         "captured in Chromium by <code>./lab screenshots</code> (the browser test takes the same pictures).")


def screenshots_section(folder: Path, reports: Path) -> tuple[str, str]:
    """HTML and Markdown for the screenshots in `folder`, linked from `reports`; ("", "") when there are none."""
    link = Path(os.path.relpath(folder, reports)).as_posix()
    rows = [(view, [name if (folder / name).is_file() else None for name in files])
            for view, *files in SCREENSHOT_VIEWS]
    rows = [(view, files) for view, files in rows if any(files)]
    if not rows:
        return "", ""
    grid = "display:grid;grid-template-columns:1fr 1fr;gap:1rem;align-items:start"
    cells = []
    for view, files in rows:
        for side, name in zip(("Airflow 3", "Prefect 3"), files, strict=True):
            caption = f"{side}: {view.lower()}"
            picture = (f'<a href="{link}/{name}"><img src="{link}/{name}" '
                       f'alt="{html.escape(caption)}" style="width:100%;border:1px solid #ddd"></a>'
                       if name else '<p class="muted">(not captured)</p>')
            cells.append(f"<figure style=\"margin:0\">{picture}<figcaption class=muted>{html.escape(caption)}"
                         f"</figcaption></figure>")
    section = (f'<section id="uis"><h2>{TITLE}</h2><p class=muted>{INTRO}</p>'
               f'<div class="uis" style="{grid}">{"".join(cells)}</div></section>')
    markdown = [f"## {TITLE}", "", "| | Airflow 3 | Prefect 3 |", "|---|---|---|"]
    for view, files in rows:
        links = [f"![{side}: {view.lower()}]({link}/{name})" if name else "(not captured)"
                 for side, name in zip(("Airflow", "Prefect"), files, strict=True)]
        markdown.append(f"| {view} | {links[0]} | {links[1]} |")
    return section, "\n".join(markdown) + "\n"
