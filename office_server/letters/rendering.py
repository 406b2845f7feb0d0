"""Letters (surat keterangan) to PDF: admin-editable Jinja2 templates, printed by WeasyPrint.

Independent of the database: the caller builds a `VillageHeader` and a `LetterContent`
and stores the bytes it gets back. Templates live in `office_server/templates/letters/`;
a `template_dir` given by the caller is searched first, so a village overrides only the
files it changed. `<type_code>.html` is used when it exists, `keterangan.html` otherwise.

WeasyPrint was chosen over ReportLab by measurement (benchmarks/render.py): ~55 ms
against ~31 ms for a warm A4 letter on the 2-core box. A letter is rendered once, when
it becomes ready, so the difference does not matter; that an admin can edit the letter
as HTML/CSS does.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    TemplatesNotFound,
    TemplateSyntaxError,
    UndefinedError,
    meta,
    nodes,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from office_server.letters.context import (
    LAYOUTS,
    Layout,
    LetterContent,
    PageSpec,
    VillageHeader,
    compare_rows,
    format_hari,
    format_tanggal,
    sample_letter,
    split_rows,
    template_context,
)

__all__ = [
    "LAYOUTS",
    "Layout",
    "LetterContent",
    "TemplateError",
    "VillageHeader",
    "format_tanggal",
    "render_letter_html",
    "render_letter_pdf",
    "validate_template_source",
    "warm_up",
]

BUILTIN_TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "templates" / "letters"
GENERIC_TEMPLATE = "keterangan.html"
# Type codes that would otherwise select a file that is not a letter body.
_RESERVED_TYPE_CODES = frozenset({"base", "keterangan"})
_TYPE_CODE = re.compile(r"^[a-z0-9_]{1,60}$")


class TemplateError(Exception):
    """A letter template that cannot be used. `message` is Indonesian, for the admin;
    `detail` is Jinja's own (English) wording, for the log."""

    def __init__(self, message: str, *, lineno: int | None = None, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno
        self.detail = detail


class _LetterEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, plus limits on the two operators that can exhaust memory or CPU."""

    intercepted_binops = frozenset({"*", "**"})
    _MAX_SEQUENCE = 100_000
    _MAX_EXPONENT = 64

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int) and abs(right) > self._MAX_EXPONENT:
            raise SecurityError(f"exponent {right} is too large")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | list | tuple)
                    and isinstance(count, int)
                    and len(seq) * count > self._MAX_SEQUENCE
                ):
                    raise SecurityError("repeated sequence is too long")
        return super().call_binop(context, operator, left, right)


def _finalize(value: Any) -> Any:
    # An optional field left empty must print as nothing, never as "None" on a letter.
    return "" if value is None else value


_environments: dict[Path | None, _LetterEnvironment] = {}
_environments_lock = threading.Lock()


def _environment(template_dir: Path | None) -> _LetterEnvironment:
    key = template_dir.resolve() if template_dir is not None else None
    with _environments_lock:
        env = _environments.get(key)
        if env is None:
            search = [FileSystemLoader(key)] if key is not None else []
            search.append(FileSystemLoader(BUILTIN_TEMPLATE_DIR))
            env = _LetterEnvironment(
                loader=ChoiceLoader(search),
                autoescape=True,
                undefined=StrictUndefined,
                finalize=_finalize,
                trim_blocks=True,
                lstrip_blocks=True,
                # A stat per render, not a read: edited templates apply without a restart.
                auto_reload=True,
            )
            env.filters["tanggal"] = format_tanggal
            env.filters["hari"] = format_hari
            env.globals["split_rows"] = split_rows
            env.globals["compare_rows"] = compare_rows
            _environments[key] = env
        return env


def _template_names(type_code: str) -> list[str]:
    code = type_code.strip().lower()
    if _TYPE_CODE.match(code) and code not in _RESERVED_TYPE_CODES:
        return [f"{code}.html", GENERIC_TEMPLATE]
    return [GENERIC_TEMPLATE]


def _template_lineno(tb: TracebackType | None) -> int | None:
    # Jinja rewrites tracebacks so template frames carry the template's file and line.
    lineno = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename == "<template>" or filename.endswith((".html", ".css")):
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _where(name: str | None, lineno: int | None) -> str:
    parts = []
    if name:
        parts.append(f"templat '{name}'")
    if lineno:
        parts.append(f"baris {lineno}")
    return f" ({', '.join(parts)})" if parts else ""


_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")
_UNDEFINED_ATTR = re.compile(r"has no attribute '([^']+)'$")


def _translate(exc: Exception, name: str | None) -> TemplateError:
    """Jinja's exception as a TemplateError an admin can act on."""
    detail = str(exc)
    if isinstance(exc, TemplateSyntaxError):
        where = _where(exc.name or name, exc.lineno)
        return TemplateError(
            f"Penulisan templat salah{where}: {detail}. Periksa pasangan {{{{ }}}}, "
            "{% %} dan tag penutup seperti {% endif %} atau {% endfor %}.",
            lineno=exc.lineno,
            detail=detail,
        )
    lineno = _template_lineno(exc.__traceback__)
    where = _where(name, lineno)
    if isinstance(exc, SecurityError):
        return TemplateError(
            f"Templat mencoba mengakses sesuatu yang tidak diizinkan{where}. "
            "Demi keamanan, templat hanya boleh memakai data surat yang disediakan.",
            lineno=lineno,
            detail=detail,
        )
    if isinstance(exc, TemplatesNotFound | TemplateNotFound):
        missing = ", ".join(f"'{n}'" for n in getattr(exc, "templates", [exc.name]))
        return TemplateError(
            f"Templat {missing} tidak ditemukan{where}.", lineno=lineno, detail=detail
        )
    if isinstance(exc, UndefinedError):
        if m := _UNDEFINED_NAME.match(detail):
            what = f"variabel '{m[1]}' yang tidak dikenal"
        elif m := _UNDEFINED_ATTR.search(detail):
            what = f"isian '{m[1]}' yang tidak ada"
        else:
            what = "data yang tidak ada"
        return TemplateError(
            f"Templat memakai {what}{where}. Lihat daftar variabel yang tersedia di "
            "README templat surat.",
            lineno=lineno,
            detail=detail,
        )
    return TemplateError(f"Templat gagal diproses{where}: {detail}", lineno=lineno, detail=detail)


def _render_template(template: Template, context: dict[str, Any]) -> str:
    try:
        return template.render(context)
    except Exception as exc:
        # Anything an admin's template can raise, including TypeError from a filter
        # given the wrong value: the letter is refused whole, never printed half-way.
        raise _translate(exc, template.name) from exc


def render_letter_html(
    village: VillageHeader,
    content: LetterContent,
    *,
    layout: Layout = "A4",
    template_dir: Path | None = None,
) -> str:
    """The letter as a standalone HTML document (for previews and for the PDF)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown letter layout {layout!r}; expected one of {list(LAYOUTS)}")
    env = _environment(template_dir)
    try:
        template = env.select_template(_template_names(content.type_code))
    except Exception as exc:
        raise _translate(exc, None) from exc
    return _render_template(template, template_context(village, content, layout))


_render_lock = threading.Lock()
_engine: tuple[Any, Any] | None = None


def _weasyprint() -> tuple[Any, Any]:
    """(font configuration, URL fetcher), made once: Fontconfig setup is the slow part.

    Only data: URLs are fetched. The logo and the QR are inlined, fonts are system
    fonts, so an edited template can neither read server files nor call out.
    """
    global _engine
    if _engine is None:
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        _engine = (FontConfiguration(), URLFetcher(allowed_protocols={"data"}))
    return _engine


_PX_PER_MM = 96 / 25.4


def _trim_roll(document: Any, page: PageSpec) -> None:
    """Shorten a roll page to its content so the printer feeds no blank paper.

    Relies on WeasyPrint's laid-out page box (a private attribute); if a later version
    drops it, the page simply keeps its maximum height.
    """
    if len(document.pages) != 1:
        return
    page_box = getattr(document.pages[0], "_page_box", None)
    if page_box is None or not page_box.children:
        return
    root = page_box.children[0]
    bottom = root.position_y + root.margin_height()
    document.pages[0].height = bottom + page.margin_bottom_mm * _PX_PER_MM


def render_letter_pdf(
    village: VillageHeader,
    content: LetterContent,
    *,
    layout: Layout,
    template_dir: Path | None = None,
) -> bytes:
    """The letter as PDF bytes, fonts embedded. Raises TemplateError for a bad template.

    Thread-safe: the template step runs in parallel, the WeasyPrint step one at a time
    (Pango's font map is shared and not safe to use from two threads at once).
    """
    from weasyprint import HTML

    html = render_letter_html(village, content, layout=layout, template_dir=template_dir)
    with _render_lock:
        font_config, url_fetcher = _weasyprint()
        document = HTML(string=html, url_fetcher=url_fetcher).render(font_config=font_config)
        page = LAYOUTS[layout]
        if page.roll:
            _trim_roll(document, page)
        pdf: bytes = document.write_pdf()
    return pdf


def html_to_pdf(html: str) -> bytes:
    """A page of our own HTML (the agenda book) as PDF, under the same lock and fetcher
    as the letters."""
    from weasyprint import HTML

    with _render_lock:
        font_config, url_fetcher = _weasyprint()
        pdf: bytes = HTML(string=html, url_fetcher=url_fetcher).write_pdf(font_config=font_config)
    return pdf


def warm_up() -> None:
    """Render one sample letter so the first real one is not the slow, cold one."""
    village, content = sample_letter()
    render_letter_pdf(village, content, layout="A4")


def _unsafe_access(ast: nodes.Template) -> tuple[list[str], int] | None:
    """Underscored names the template reaches for, and the first line doing so."""
    # The sandbox refuses these at run time too, but only on the branch that runs;
    # checking the whole tree rejects them when the admin saves the template.
    found: dict[str, int] = {}
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(node, nodes.Getattr):
            attr = node.attr
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            attr = node.arg.value
        else:
            continue
        if attr.startswith("_"):
            found.setdefault(attr, node.lineno)
    if not found:
        return None
    return sorted(found), min(found.values())


def _assigned_names(ast: nodes.Template) -> set[str]:
    """Every name the template itself defines, wherever it does.

    jinja2.meta is conservative: a `{% set %}` inside an `{% if %}` read by a nested
    `{% if %}`, or a top-level macro called from a block, counts as undeclared there.
    Those are fine at run time, so only names defined nowhere are reported; a name read
    before it is set is still caught by the trial render.
    """
    names = {node.name for node in ast.find_all(nodes.Name) if node.ctx in ("store", "param")}
    for macro in ast.find_all(nodes.Macro):
        names.add(macro.name)
    for imported in ast.find_all(nodes.Import):
        names.add(imported.target)
    for from_import in ast.find_all(nodes.FromImport):
        names.update(n if isinstance(n, str) else n[1] for n in from_import.names)
    return names


def validate_template_source(source: str, *, template_dir: Path | None = None) -> None:
    """Check a template an admin wants to save; raises TemplateError (Indonesian) if the
    syntax is wrong, it reaches for something unsafe, or it uses an unknown variable.

    The source is tried against sample letters in every layout, with `template_dir`
    (the village's own templates) searched first for the files it extends or includes.
    """
    env = _environment(template_dir)
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        raise _translate(exc, None) from exc
    if unsafe := _unsafe_access(ast):
        attrs, lineno = unsafe
        names = ", ".join(f"'{a}'" for a in attrs)
        raise TemplateError(
            f"Templat mencoba mengakses {names}{_where(None, lineno)}, yang tidak diizinkan "
            "demi keamanan. Nama yang diawali garis bawah tidak boleh dipakai.",
            lineno=lineno,
            detail=f"access to {names}",
        )
    samples = [sample_letter(signed=True), sample_letter(signed=False)]
    provided = set(template_context(*samples[0], "A4")) | {"split_rows", "compare_rows"}
    unknown = sorted(
        meta.find_undeclared_variables(ast) - provided - set(env.globals) - _assigned_names(ast)
    )
    if unknown:
        names = ", ".join(f"'{n}'" for n in unknown)
        raise TemplateError(
            f"Templat memakai variabel yang tidak dikenal: {names}. Variabel yang tersedia: "
            f"{', '.join(sorted(provided))}.",
            detail=f"undefined: {names}",
        )
    try:
        template = env.from_string(source)
    except Exception as exc:
        raise _translate(exc, None) from exc
    for village, content in samples:
        for layout in LAYOUTS:
            context = template_context(village, content, layout)
            _render_template(template, context)
            # The sample village has no logo; try the logo branch too.
            _render_template(template, {**context, "logo_src": "data:image/png;base64,"})
