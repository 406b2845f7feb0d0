"""The admin pages for letter types: the list, and one type's form, wording and template."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from office_server.audit import service as audit
from office_server.deps import AdminUser, CsrfChecked, DbSession, ReadSession
from office_server.error_handlers import PageRefused
from office_server.errors import ValidationFailed
from office_server.letter_types import service as letter_types
from office_server.letter_types.models import LetterType
from office_server.letters.rendering import BUILTIN_TEMPLATE_DIR
from office_server.operators.models import Operator
from office_server.templating import render

admin_router = APIRouter(prefix="/admin", include_in_schema=False)

TEXT_FIELDS = (
    "title",
    "description",
    "classification_code",
    "required_documents",
    "template_name",
    "body_template",
    "form_schema",
    "print_mode",
    "validity_days",
)


@admin_router.get("/surat", response_class=HTMLResponse)
def admin_letter_types(request: Request, session: ReadSession, me: AdminUser) -> Response:
    return render(
        request,
        "admin/letter_types.html",
        {"me": me, "rows": letter_types.catalog(session, include_inactive=True)},
    )


def _template_names() -> list[str]:
    return sorted(
        p.stem
        for p in BUILTIN_TEMPLATE_DIR.glob("*.html")
        if p.stem != "base" and not p.stem.startswith("_")
    )


def _letter_type_page(
    request: Request, me: Operator, lt: LetterType, form: dict[str, Any], errors: dict[str, str]
) -> Response:
    return render(
        request,
        "admin/letter_type.html",
        {"me": me, "lt": lt, "form": form, "errors": errors, "templates": _template_names()},
        status_code=422 if errors else 200,
        csrf=True,
    )


def _refused(
    request: Request, me: Operator, code: str, form: dict[str, Any], errors: dict[str, str]
) -> PageRefused:
    return PageRefused(
        lambda session: _letter_type_page(
            request, me, letter_types.get_any(session, code=code), form, errors
        )
    )


@admin_router.get("/surat/{code}", response_class=HTMLResponse)
def admin_letter_type(code: str, request: Request, session: ReadSession, me: AdminUser) -> Response:
    lt = letter_types.get_any(session, code=code)
    form = {
        "title": lt.title,
        "description": lt.description,
        "classification_code": lt.classification_code,
        "required_documents": "\n".join(lt.required_documents),
        "self_service": lt.self_service,
        "active": lt.active,
        "template_name": lt.template_name,
        "body_template": lt.body_template,
        "form_schema": json.dumps(lt.form_schema, ensure_ascii=False, indent=1),
        "print_mode": lt.print_mode,
        "validity_days": "" if lt.validity_days is None else str(lt.validity_days),
    }
    return _letter_type_page(request, me, lt, form, {})


@admin_router.post("/surat/{code}", response_class=HTMLResponse)
async def admin_letter_type_save(
    code: str, request: Request, session: DbSession, me: AdminUser, _: CsrfChecked
) -> Response:
    letter_types.get_any(session, code=code)
    raw = await request.form()
    form: dict[str, Any] = {k: str(raw.get(k) or "") for k in TEXT_FIELDS}
    form["self_service"] = raw.get("self_service") == "1"
    form["active"] = raw.get("active") == "1"
    try:
        schema = json.loads(form["form_schema"])
        if not isinstance(schema, list):
            raise ValueError("not a list")
    except ValueError as exc:
        problem = {"form_schema": "Skema harus berupa daftar JSON yang valid."}
        raise _refused(request, me, code, form, problem) from exc
    try:
        letter_types.update(
            session,
            code=code,
            title=form["title"],
            description=form["description"],
            classification_code=form["classification_code"],
            required_documents=form["required_documents"].splitlines(),
            self_service=form["self_service"],
            active=form["active"],
            template_name=form["template_name"],
            body_template=form["body_template"],
            form_schema=schema,
            print_mode=form["print_mode"] or "kiosk",
            validity_days=form["validity_days"],
        )
    except ValidationFailed as exc:
        raise _refused(request, me, code, form, exc.fields) from exc
    audit.record(session, actor=me.actor, action="letter_type_update", details={"code": code})
    return RedirectResponse("/admin/surat", status_code=303)
