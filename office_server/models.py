"""Imports every model so that Base.metadata is complete (Alembic, tests)."""

from office_server.audit.models import AuditEvent
from office_server.kiosks.models import KioskClaim, KioskDevice
from office_server.letter_types.models import LetterType
from office_server.letters.models import Letter
from office_server.notifications.models import NotificationSettings, OptOut, OutboxMessage
from office_server.operators.models import Operator, OperatorSession
from office_server.queue.models import QueueTicket
from office_server.requests.models import LetterRequest, SealedRefusal
from office_server.residents.models import Resident
from office_server.sequences import SequenceCounter
from office_server.sync.models import OutboxEvent, RegencyAnnouncement
from office_server.village.models import Announcement, VillageProfile

__all__ = [
    "Announcement",
    "AuditEvent",
    "KioskClaim",
    "KioskDevice",
    "Letter",
    "LetterRequest",
    "LetterType",
    "NotificationSettings",
    "Operator",
    "OperatorSession",
    "OptOut",
    "OutboxEvent",
    "OutboxMessage",
    "QueueTicket",
    "RegencyAnnouncement",
    "Resident",
    "SealedRefusal",
    "SequenceCounter",
    "VillageProfile",
]
