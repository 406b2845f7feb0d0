"""Every operator and admin route refuses an anonymous caller and a caller of the wrong role.

The routes are found by iterating `app.routes`; the role each one needs is read from its
dependencies (the `require_role(...)` closure in deps.py), so a new route is covered the
day it is added, and a route under /operator or /admin without any login check fails here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from office_server.deps import _current_operator
from office_server.operators.models import Role
from office_server.seed import DEMO_PASSWORDS

PROTECTED = re.compile(r"^/(operator|admin)(/|$)|^/api/v1/operator/")
PUBLIC = {"/operator/login"}


def _calls(dependant: Any) -> Iterator[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def required_roles(route: APIRoute) -> set[str] | None:
    """The roles that pass (admin always does); empty = any operator; None = no login."""
    roles: set[str] | None = None
    for call in _calls(route.dependant):
        if call is _current_operator and roles is None:
            roles = set()
        closure = getattr(call, "__closure__", None) or ()
        if getattr(call, "__qualname__", "").startswith("require_role."):
            for cell in closure:
                if isinstance(cell.cell_contents, tuple):
                    roles = {str(r) for r in cell.cell_contents} | {Role.ADMIN.value}
    return roles


def protected_routes(client: TestClient) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) of every operator/admin route, included routers flattened."""
    out = []
    for ctx in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = ctx.original_route
        if not isinstance(route, APIRoute) or ctx.path in PUBLIC:
            continue
        if PROTECTED.search(ctx.path):
            for method in sorted(ctx.methods or ()):
                out.append((method, ctx.path, route))
    return out


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]*id\}", "1", re.sub(r"\{(\w+)\}", r"x\1", path))


def login(client: TestClient, username: str) -> str:
    r = client.post(
        "/api/v1/auth/login",
        json={"username": username, "password": DEMO_PASSWORDS[username]},
    )
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def test_route_table_is_complete(client: TestClient) -> None:
    routes = protected_routes(client)
    paths = {p for _, p, _ in routes}
    # The pages of this issue are all there (a typo in a prefix would drop them silently).
    for expected in (
        "/operator",
        "/operator/permohonan/{request_id}",
        "/operator/tanda-tangan",
        "/operator/antrean",
        "/operator/arsip",
        "/operator/arsip/agenda",
        "/operator/statistik",
        "/operator/loket/{code}",
        "/operator/permohonan/{request_id}/ajukan",
        "/admin/desa/stempel",
        "/admin/desa",
        "/admin/surat/{code}",
        "/admin/operator",
        "/admin/anjungan",
        "/admin/pengumuman",
    ):
        assert expected in paths
    unguarded = [f"{m} {p}" for m, p, r in routes if required_roles(r) is None]
    assert unguarded == [], "operator/admin routes without a login check"


def test_anonymous_is_refused_everywhere(client: TestClient) -> None:
    for method, path, _ in protected_routes(client):
        r = client.request(method, concrete(path), follow_redirects=False)
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert r.status_code == 303, (method, path, r.status_code)
            assert r.headers["location"] == "/operator/login"


@pytest.mark.parametrize("username", ["operator", "kades"])
def test_wrong_role_is_refused(client: TestClient, username: str) -> None:
    role = {"operator": Role.OPERATOR.value, "kades": Role.SIGNER.value}[username]
    csrf = login(client, username)
    checked = 0
    for method, path, route in protected_routes(client):
        roles = required_roles(route)
        assert roles is not None
        if not roles or role in roles:
            continue
        headers = {"X-CSRF-Token": csrf}
        data = {"csrf_token": csrf} if not path.startswith("/api/") else None
        r = client.request(
            method,
            concrete(path),
            headers=headers,
            data=data if method == "POST" else None,
            follow_redirects=False,
        )
        assert r.status_code == 403, (username, method, path, r.status_code)
        if path.startswith("/api/"):
            assert r.json()["error"]["code"] == "wrong_role"
        else:
            assert "Peran Anda tidak berhak" in r.text
        checked += 1
    assert checked >= 5


def test_html_post_needs_csrf_token(client: TestClient) -> None:
    login(client, "admin")
    r = client.post("/admin/pengumuman", data={"title": "Tutup"}, follow_redirects=False)
    assert r.status_code == 403
    r = client.post("/operator/logout", follow_redirects=False)
    assert r.status_code == 403
