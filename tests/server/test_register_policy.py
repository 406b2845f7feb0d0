"""The register policy (`/admin/register`) and the `register.umkm` event a business letter
writes in its issuing transaction: nothing by default, only the allowed fields, the
owner's name only when turned on, the NIK never, refused text left out."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from office_server.audit.models import AuditEvent
from office_server.config import Settings
from office_server.database import Database
from office_server.letters import service as letters
from office_server.letters import umkm
from office_server.requests import service as requests_service
from office_server.requests.models import Channel
from office_server.residents.models import Resident
from office_server.sync.models import OutboxEvent
from office_server.village import register_policy
from tests.server.helpers import OPERATOR, operator
from tests.support import factories
from tests.web.test_admin_pages import login

NAME = "Siti Usahawati"
ALL_FIELDS = {*register_policy.FIELDS}


def usaha_form(**overrides: str) -> dict[str, Any]:
    form = {k: v for k, v in factories.domisili_form().items() if k != "lama_tinggal"}
    form.update(
        nama_usaha="Warung Berkah",
        jenis_usaha="Warung sembako",
        alamat_usaha="Jl. Pasar Sukamaju No. 12",
        mulai_usaha="2019",
        dusun="Dusun II",
    )
    form.update(overrides)
    return form


def issue(db: Database, settings: Settings, *, serial: int = 1, letter_type: str = "usaha",
          form: dict[str, Any] | None = None) -> str:  # fmt: skip
    """Files, approves and signs a letter: the real issuing transaction."""
    if form is None:
        form = usaha_form() if letter_type != "domisili" else factories.domisili_form()
    with db.unit_of_work() as session:
        request, _, _ = requests_service.create(
            session,
            letter_type_code=letter_type,
            applicant_nik=factories.make_nik(serial=serial),
            applicant_name=NAME,
            form_data=form,
            phone=None,
            channel=Channel.WEB,
            actor=OPERATOR,
        )
        requests_service.transition(session, request, "approve", actor=OPERATOR)
        letters.sign(session, request, signer=operator(session, "kades"), settings=settings)
        return request.public_code


def entries(db: Database) -> list[dict[str, Any]]:
    """The data of every `register.umkm` in the outbox, oldest first."""
    with db.unit_of_work(write=False) as session:
        return [
            dict(data)
            for data in session.scalars(
                select(OutboxEvent.data)
                .where(OutboxEvent.kind == "register.umkm")
                .order_by(OutboxEvent.id)
            )
        ]


def set_policy(db: Database, *, send: bool, fields: set[str]) -> None:
    with db.unit_of_work() as session:
        register_policy.update(session, send_umkm=send, fields=fields, actor=OPERATOR)


def test_by_default_a_business_letter_sends_no_register(db: Database, settings: Settings) -> None:
    with db.unit_of_work(write=False) as session:
        assert register_policy.get(session) == register_policy.NOTHING
    issue(db, settings)
    assert entries(db) == []


def test_the_entry_carries_only_the_allowed_fields_and_never_the_nik(
    db: Database, settings: Settings
) -> None:
    set_policy(db, send=True, fields={"business_name", "since", "rt_rw"})
    code = issue(db, settings)
    (row,) = entries(db)
    assert row == {
        "code": code,
        "business_name": "Warung Berkah",
        "kind": None,
        "since": "2019",
        "dusun": None,
        "rt": "2",
        "rw": "3",
        "owner_name": None,
    }
    text = json.dumps(row)
    for secret in (factories.make_nik(serial=1), NAME, "3604121708900001", "Jl. Pasar", "1990"):
        assert secret not in text
    # The letter.issued event of the same transaction is there too.
    with db.unit_of_work(write=False) as session:
        kinds = [r.kind for r in session.scalars(select(OutboxEvent).order_by(OutboxEvent.id))]
    assert kinds[-2:] == ["letter.issued", "register.umkm"]


def test_the_owner_goes_only_when_turned_on_and_domisili_usaha_counts(
    db: Database, settings: Settings
) -> None:
    set_policy(db, send=True, fields=ALL_FIELDS | {"owner_name"})
    form = usaha_form(status_tempat="Sewa/kontrak")
    code = issue(db, settings, letter_type="domisili_usaha", form=form)
    # A letter that is no business letter makes no entry.
    issue(db, settings, serial=2, letter_type="domisili")
    (row,) = entries(db)
    assert row["code"] == code
    assert row["owner_name"] == NAME
    assert (row["kind"], row["dusun"]) == ("Warung sembako", "Dusun II")


def test_refused_text_is_left_out_and_the_letter_is_issued(
    db: Database, settings: Settings
) -> None:
    set_policy(db, send=True, fields=ALL_FIELDS)
    nik = factories.make_nik(serial=7)
    code = issue(db, settings, form=usaha_form(nama_usaha=f"Toko {nik}"))
    (row,) = entries(db)
    assert row["code"] == code
    assert row["business_name"] is None  # left out, not sent
    assert row["kind"] == "Warung sembako"
    assert nik not in json.dumps(row)
    with db.unit_of_work(write=False) as session:
        assert letters.for_request(session, request_id=_request_id(session, code)).number


def _request_id(session: Any, code: str) -> int:
    from office_server.requests.models import LetterRequest

    found = session.scalar(select(LetterRequest.id).where(LetterRequest.public_code == code))
    assert found is not None
    return int(found)


def test_dusun_and_rt_rw_come_from_the_register_when_the_form_has_none(
    db: Database, settings: Settings
) -> None:
    with db.unit_of_work() as session:
        session.add(
            Resident(
                nik=factories.make_nik(serial=3),
                name=NAME,
                birth_date=date(1990, 8, 17),
                sex="P",
                rt="007",
                rw="004",
                dusun="Dusun Karang",
            )
        )
    set_policy(db, send=True, fields={"dusun", "rt_rw"})
    issue(db, settings, serial=3, form=usaha_form(dusun=""))
    (row,) = entries(db)
    # The form's RT/RW win; the dusun the form left empty comes from the register.
    assert (row["dusun"], row["rt"], row["rw"]) == ("Dusun Karang", "2", "3")
    assert row["business_name"] is None


def test_turned_off_later_nothing_more_goes_and_earlier_letters_go_on_request(
    db: Database, settings: Settings
) -> None:
    first = issue(db, settings, serial=1)  # before the policy: nothing
    set_policy(db, send=True, fields={"business_name"})
    second = issue(db, settings, serial=2)
    assert [r["code"] for r in entries(db)] == [second]
    with db.unit_of_work() as session:
        sent = umkm.send_issued(session, actor=OPERATOR)
    assert sent == 2
    assert [r["code"] for r in entries(db)] == [second, first, second]
    set_policy(db, send=False, fields={"business_name"})
    issue(db, settings, serial=3)
    with db.unit_of_work() as session:
        assert umkm.send_issued(session, actor=OPERATOR) == 0
    assert len(entries(db)) == 3


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def test_the_admin_page_is_admin_only_checks_csrf_and_audits(
    client: TestClient, sqlite_db: Database
) -> None:
    assert client.get("/admin/register", follow_redirects=False).status_code in (303, 401)
    login(client, "operator")
    assert client.get("/admin/register").status_code == 403
    client.cookies.clear()
    csrf = login(client, "admin")
    page = client.get("/admin/register")
    assert page.status_code == 200
    assert "Register ke kabupaten" in page.text
    assert " checked" not in page.text  # nothing leaves by default
    assert "data pribadi" in page.text  # the warning over the owner's name
    assert "NIK" in page.text and 'name="nik"' not in page.text

    refused = client.post("/admin/register", data={"send_umkm": "1", "business_name": "1"})
    assert refused.status_code == 403
    with sqlite_db.unit_of_work(write=False) as session:
        assert register_policy.get(session) == register_policy.NOTHING

    saved = client.post(
        "/admin/register",
        data={"csrf_token": csrf, "send_umkm": "1", "business_name": "1", "rt_rw": "1",
              "nik": "1", "owner_name": ""},
    )  # fmt: skip
    assert saved.status_code == 200 and "Tersimpan." in saved.text
    with sqlite_db.unit_of_work(write=False) as session:
        policy = register_policy.get(session)
        audits = session.execute(
            select(AuditEvent.actor_label, AuditEvent.details).where(
                AuditEvent.action == "register_policy"
            )
        ).all()
    assert policy.allowed == ["business_name", "rt_rw"]
    ((actor, details),) = audits
    assert actor and details["fields"] == ["business_name", "rt_rw"]
    assert details["send_umkm"] is True and details["was_sending"] is False

    # Earlier letters: the button sends them (none issued in this village yet).
    sent = client.post("/admin/register/kirim-terbit", data={"csrf_token": _csrf(saved.text)})
    assert sent.status_code == 200 and "0 entri" in sent.text
    assert client.post("/admin/register/kirim-terbit", data={}).status_code == 403
