from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from office_server.database import Base
from office_server.letter_types.forms import FieldSpec, parse_schema


class LetterType(Base):
    """A kind of surat keterangan the office issues, with the form residents fill in."""

    __tablename__ = "letter_types"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(160))
    # Classification code of Permendagri 83/2022, the {kode} of the letter number.
    classification_code: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    # List of field definitions; see office_server.letter_types.forms.FieldSpec.
    form_schema: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    self_service: Mapped[bool] = mapped_column(Boolean, default=True)
    required_documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    template_name: Mapped[str] = mapped_column(String(80), default="keterangan")
    # The statement paragraph of the letter; may use {field} placeholders from the form.
    body_template: Mapped[str] = mapped_column(Text, default="")
    # "kiosk": printed with the signer's specimen and the stamp, self-service at the kiosk;
    # "counter": left for a wet signature and stamp, collected at the counter.
    print_mode: Mapped[str] = mapped_column(String(10), default="kiosk", server_default="kiosk")
    # Days the letter is valid from its date ("berlaku sampai"); None: no end printed.
    validity_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def fields(self) -> list[FieldSpec]:
        """The form schema parsed, once per loaded value of `form_schema`."""
        cached = self.__dict__.get("_parsed_fields")
        if cached is None or cached[0] is not self.form_schema:
            cached = (self.form_schema, parse_schema(self.form_schema))
            self.__dict__["_parsed_fields"] = cached
        return cached[1]
