"""SQLModel tables, the application state machine and the database setup."""

from models.application import Application, AuditEvent, Person
from models.cycle import Committee, Cycle, CycleEvent, Phase, PhaseExtension
from models.org import Organisation, OrgKind
from models.outbox import Escalation, Message

__all__ = [
    "Application",
    "AuditEvent",
    "Committee",
    "Cycle",
    "CycleEvent",
    "Escalation",
    "Message",
    "Organisation",
    "OrgKind",
    "Person",
    "Phase",
    "PhaseExtension",
]
