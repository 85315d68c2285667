"""Why the rules refuse an action: a code for programs to decide on, a message for people.

Code branches on ``RefusalCode``, never on the Chinese text, so a message can be reworded
without changing what any caller does."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RefusalCode(StrEnum):
    refused = "refused"  # no more specific reason given
    # One application refused within an action (``Outcome.refusals``).
    no_application = "no_application"  # not in this cycle
    wrong_status = "wrong_status"  # the state machine does not allow the action now
    not_open = "not_open"  # the action's window has not opened yet
    closed = "closed"  # the action's window has closed
    ineligible = "ineligible"  # the eligibility rules fail
    bad_facts = "bad_facts"  # what the applicant declared cannot be read
    return_limit = "return_limit"  # returned as often as the cycle allows: materials locked
    reason_required = "reason_required"  # the action needs written reasons
    publicity_ended = "publicity_ended"  # result publicity is over: no more objections
    past_push_month = "past_push_month"  # the series' push month is over (may be early, not late)
    document_missing = "document_missing"  # a document the rules require first is not recorded
    already_recorded = "already_recorded"  # the application already carries that document
    publicity_not_over = "publicity_not_over"  # unit publicity still runs: no publicity report yet
    recording_missing = "recording_missing"  # a video defence's recording is not referenced
    # A whole action refused (raised as ``Refused``).
    no_cycle = "no_cycle"
    no_phase = "no_phase"
    policy_missing = "policy_missing"
    no_person = "no_person"
    plan_errors = "plan_errors"
    already_launched = "already_launched"
    no_deployment = "no_deployment"
    no_signing_key = "no_signing_key"
    # Committees, filing and extensions.
    no_committee = "no_committee"
    no_plan = "no_plan"
    outside_window = "outside_window"
    postponement_unapproved = "postponement_unapproved"
    not_later = "not_later"
    past_finish_by = "past_finish_by"
    no_filing_item = "no_filing_item"
    already_filed = "already_filed"
    filing_late = "filing_late"  # past the item's deadline, and late filings are not accepted
    no_department = "no_department"  # a per-department item filed without its department
    extension_unexplained = "extension_unexplained"
    no_end = "no_end"
    already_closed = "already_closed"
    breaks_cycle = "breaks_cycle"
    # Accounts.
    bad_username = "bad_username"
    bad_role = "bad_role"
    bad_scope = "bad_scope"
    weak_password = "weak_password"
    username_taken = "username_taken"
    no_org = "no_org"
    not_allowed = "not_allowed"
    locked = "locked"
    bad_credentials = "bad_credentials"


@dataclass(frozen=True)
class Refusal:
    """One refused application: the code, and the reason in plain Chinese."""

    code: RefusalCode
    message: str


class Refused(Exception):
    """An action the rules do not allow now; the message says why, in plain Chinese.

    ``code`` may be given as its text (``"no_cycle"``); an unknown one fails at once, so a
    caller's code never silently goes missing from ``RefusalCode``."""

    def __init__(self, message: str, code: RefusalCode | str = RefusalCode.refused) -> None:
        super().__init__(message)
        self.code = RefusalCode(code)
        self.message = message

    @property
    def refusal(self) -> Refusal:
        return Refusal(self.code, self.message)
