"""What ``mkdocs serve`` shows while the data has errors: the located problems, as the home page inside
the theme, and as a standalone page for every other address (the 404 page), which reloads itself once
the address works again. A failed build would instead leave the browser waiting."""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem
from . import templates

TEMPLATE = "data-errors.html.j2"


def _render(problems: list[Problem], theme_dir: Path, *, standalone: bool) -> str:
    env = templates.environment(theme_dir / "pages")
    return env.get_template(TEMPLATE).render(problems=problems, standalone=standalone)


def problems_markdown(problems: list[Problem], theme_dir: Path) -> str:
    """The home page's Markdown: the list as one raw HTML block (no blank line may split it)."""
    body = "\n".join(
        line for line in _render(problems, theme_dir, standalone=False).splitlines() if line.strip()
    )
    return f"---\ntitle: Dữ liệu thủ tục có lỗi\nsearch:\n  exclude: true\n---\n\n{body}\n"


def problems_page(problems: list[Problem], theme_dir: Path) -> str:
    """A standalone HTML page with the list, for every address that is not the home page."""
    return _render(problems, theme_dir, standalone=True)
