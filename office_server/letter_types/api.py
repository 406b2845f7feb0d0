from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from office_server.deps import ReadSession
from office_server.letter_types import service as letter_types
from office_server.letter_types.forms import FieldSpec
from office_server.letter_types.models import LetterType

router = APIRouter(prefix="/api/v1", tags=["catalog"])


class LetterTypeOut(BaseModel):
    code: str
    title: str
    description: str
    self_service: bool
    required_documents: list[str]
    fields: list[FieldSpec]

    @classmethod
    def of(cls, lt: LetterType) -> LetterTypeOut:
        return cls(
            code=lt.code,
            title=lt.title,
            description=lt.description,
            self_service=lt.self_service,
            required_documents=lt.required_documents,
            fields=lt.fields,
        )


@router.get("/letter-types", response_model=list[LetterTypeOut])
def catalog(session: ReadSession) -> list[LetterTypeOut]:
    """Every active letter type with its form. `applicant_nik` and `applicant_name` are
    asked for every type and are not repeated in `fields`."""
    return [LetterTypeOut.of(lt) for lt in letter_types.catalog(session)]
