"""The application state machine: which transition each action may make, and the groups of
states every count of progress is made of. Pure data, and two sums over it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Status(StrEnum):
    draft = "draft"  # 草稿
    submitted = "submitted"  # 已提交，待单位审核
    unit_review = "unit_review"  # 单位审核中
    returned = "returned"  # 退回修改
    recommended = "recommended"  # 单位已推荐
    unit_publicity = "unit_publicity"  # 单位公示中
    department_review = "department_review"  # 主管部门审核
    committee_review = "committee_review"  # 评委会评审
    result_publicity = "result_publicity"  # 评审结果公示
    objection = "objection"  # 异议调查中
    issued = "issued"  # 已发证
    failed = "failed"  # 评审未通过
    not_recommended = "not_recommended"  # 逾期未推荐/未报送
    expired = "expired"  # 截止前未提交
    refused = "refused"  # 不符合申报条件
    withdrawn = "withdrawn"  # 本人撤回
    revoked = "revoked"  # 异议成立，撤销


FINAL = frozenset(
    {
        Status.issued,
        Status.failed,
        Status.not_recommended,
        Status.expired,
        Status.refused,
        Status.withdrawn,
        Status.revoked,
    }
)

LABELS = {
    Status.draft: "草稿",
    Status.submitted: "已提交",
    Status.unit_review: "单位审核中",
    Status.returned: "退回修改",
    Status.recommended: "单位已推荐",
    Status.unit_publicity: "单位公示中",
    Status.department_review: "主管部门审核",
    Status.committee_review: "评委会评审",
    Status.result_publicity: "结果公示中",
    Status.objection: "异议调查中",
    Status.issued: "已发证",
    Status.failed: "未通过",
    Status.not_recommended: "逾期未推荐",
    Status.expired: "逾期未提交",
    Status.refused: "不符合条件",
    Status.withdrawn: "已撤回",
    Status.revoked: "已撤销",
}

S = Status
# action -> (from states, to state)
ACTIONS: dict[str, tuple[frozenset[Status], Status]] = {
    "submit": (frozenset({S.draft}), S.submitted),
    "open_review": (frozenset({S.submitted}), S.unit_review),
    "return": (frozenset({S.submitted, S.unit_review, S.department_review}), S.returned),
    "resubmit_unit": (frozenset({S.returned}), S.unit_review),
    "resubmit_department": (frozenset({S.returned}), S.department_review),
    "recommend": (frozenset({S.submitted, S.unit_review}), S.recommended),
    "start_unit_publicity": (frozenset({S.recommended}), S.unit_publicity),
    "finish_unit_publicity": (frozenset({S.unit_publicity}), S.department_review),
    "forward": (frozenset({S.department_review}), S.committee_review),
    "pass": (frozenset({S.committee_review}), S.result_publicity),
    "fail": (frozenset({S.committee_review}), S.failed),
    "object": (frozenset({S.result_publicity}), S.objection),
    "dismiss_objection": (frozenset({S.objection}), S.result_publicity),
    "uphold_objection": (frozenset({S.objection}), S.revoked),
    "issue": (frozenset({S.result_publicity}), S.issued),
    # Fraud found after issue (弄虚作假取得职称的，撤销): the title is revoked.
    "revoke": (frozenset({S.issued}), S.revoked),
    "expire": (frozenset({S.draft}), S.expired),
    "not_recommend": (
        frozenset(
            {
                S.submitted,
                S.unit_review,
                S.returned,
                S.recommended,
                S.unit_publicity,
                S.department_review,
            }
        ),
        S.not_recommended,
    ),
    "refuse": (frozenset({S.draft, S.submitted, S.unit_review, S.department_review}), S.refused),
    "withdraw": (
        frozenset(
            {
                S.draft,
                S.submitted,
                S.unit_review,
                S.returned,
                S.recommended,
                S.unit_publicity,
                S.department_review,
            }
        ),
        S.withdrawn,
    ),
}

# Where an application may be when a unit or office records a document it carries
# (models.documents): the collective review before recommendation, the publicity report once
# unit publicity is over, the commissioned-review letter before the committee.
DOCUMENT_STATES: dict[str, frozenset[Status]] = {
    "collective_review": frozenset({S.submitted, S.unit_review, S.returned}),
    "publicity_report": frozenset({S.unit_publicity, S.department_review}),
    "commission_letter": frozenset(
        {
            S.draft,
            S.submitted,
            S.unit_review,
            S.returned,
            S.recommended,
            S.unit_publicity,
            S.department_review,
        }
    ),
}

# What "through the phase" means for each top-level phase: the states an application has reached.
_DECIDED = FINAL | {S.result_publicity, S.objection}
THROUGH: dict[str, frozenset[Status]] = {
    "prep": frozenset(Status),
    "declaration": frozenset(set(Status) - {S.draft}),
    "unit_review": _DECIDED | {S.department_review, S.committee_review},
    "committee_review": frozenset(_DECIDED),
    "filing": FINAL,
}
# Still waiting on a phase's deadline: late once that deadline has passed.
PENDING: dict[str, frozenset[Status]] = {
    "declaration": frozenset({S.draft}),
    "unit_review": frozenset({S.submitted, S.unit_review, S.returned, S.recommended}),
    "committee_review": frozenset({S.department_review, S.committee_review, S.objection}),
}
# What a missed deadline left behind once its boundary was carried out.
MISSED: dict[str, frozenset[Status]] = {
    "declaration": frozenset({S.expired}),
    "unit_review": frozenset({S.not_recommended}),
}
# Recommended by their unit (审核推荐) and neither withdrawn nor stopped since: the
# applications the department's summary sheet (004 附件2) lists.
RECOMMENDED = frozenset(
    {
        S.recommended,
        S.unit_publicity,
        S.department_review,
        S.committee_review,
        S.result_publicity,
        S.objection,
        S.issued,
        S.failed,
        S.revoked,
    }
)
# A committee's pass, whatever happened after it; an objection still waits on its outcome
# (``PENDING["committee_review"]``).
PASSED = frozenset({S.result_publicity, S.issued, S.revoked})


def through_count(counts: Mapping[str, int], phase: str) -> int:
    """Of applications counted by status, how many have got through ``phase``."""
    return sum(counts.get(s.value, 0) for s in THROUGH.get(phase, ()))


def progress_percent(through: int, total: int) -> float:
    """A phase's progress in percent, to one decimal; with nothing to do, it is done."""
    return round(100.0 * through / total, 1) if total else 100.0
