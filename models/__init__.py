"""SQLModel tables, the application state machine and the database setup."""

from models.accounts import Account, AccountSession
from models.application import Application, ApplicationProfile, AuditEvent, Person
from models.certificate import Certificate
from models.committees import CommitteeMeeting
from models.cycle import Committee, Cycle, CycleEvent, Phase, PhaseExtension
from models.documents import ApplicationDocument, MeetingRecord
from models.filing import FilingRecord
from models.forecast import ForecastEvaluation
from models.integrity import IntegrityRecord
from models.org import Organisation, OrgKind
from models.outbox import Escalation, Message
from models.run_failures import RunFailure
from models.tally import ApplicationTally

__all__ = [
    "Account",
    "AccountSession",
    "Application",
    "ApplicationDocument",
    "ApplicationProfile",
    "ApplicationTally",
    "AuditEvent",
    "Certificate",
    "Committee",
    "CommitteeMeeting",
    "Cycle",
    "CycleEvent",
    "Escalation",
    "FilingRecord",
    "ForecastEvaluation",
    "IntegrityRecord",
    "MeetingRecord",
    "Message",
    "Organisation",
    "OrgKind",
    "Person",
    "Phase",
    "PhaseExtension",
    "RunFailure",
]
