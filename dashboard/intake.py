"""The applicants' front end's door: one declaration written as a draft, with the import's
checks and routing; submission and resubmission go through the actions like everyone's."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from dashboard import figures
from dashboard.auth import intake_viewer_in, now_of
from dashboard.schemas import ApplicationRow
from models.db import session_scope
from models.intake import NotAccepted, Written, put_declaration

router = APIRouter(prefix="/api")

EXAMPLE = {
    "单位统一社会信用代码": "12620200MB1234567X",
    "工作单位": "嘉峪关市第一中学",
    "姓名": "张三",
    "参加工作时间": "2012-07-01",
    "学历": "本科",
    "现任职务-资格名称": "工程师",
    "现任职务-取得时间": "2018-12-01",
    "拟晋升职务": "高级工程师",
    "专业工作年限": "12",
    "是否完成继续教育": "是",
    "系列": "工程",
    "专业": "建设工程",
    "申报级别": "副高级",
    "手机号": "13909371234",
}
FIELDS_DOC = (
    "申报信息：键为申报人导入模板的列名（zhicheng import template declarations），值为文本；"
    "必填：单位统一社会信用代码、姓名、系列、申报级别（身份证号取自地址，也可重复给出，须一致）。"
    "未给出的列视为空：每次请写完整的申报信息。"
)


class FieldProblem(BaseModel):
    column: str = Field(description="列名（字段）")
    value: str = Field(description="填写的值")
    why: str = Field(description="问题")


class DeclarationOut(BaseModel):
    result: Written = Field(
        description="created：新建草稿；updated：草稿已更新；unchanged：与已存内容相同，未改动"
    )
    application: ApplicationRow = Field(description="申报（身份证号已脱敏）；提交时用其 id")
    committee: str | None = Field(description="分配到的评委会")


class NotAcceptedOut(BaseModel):
    detail: str = Field(description="全部问题，一句中文")
    errors: list[FieldProblem]


@router.put(
    "/cycles/{cycle_id}/declarations/{id_number}",
    response_model=DeclarationOut,
    summary="申报接口：新建或更新一份申报草稿（幂等）",
    description=(
        "仅限绑定本周期的申报接口账号（Authorization: Bearer <令牌>）。与申报人导入相同的校验和"
        "评委会分配；同一内容重复调用不产生第二份草稿（result 为 unchanged）。"
        "已提交的申报不能再修改。提交与重新提交：POST /api/cycles/{cycle_id}/actions/submit "
        '（或 resubmit），请求体 {"ids": [application.id]}，受同样的截止时间约束。'
    ),
    responses={
        403: {"description": "不是绑定本周期的申报接口账号（其他账号、其他周期一律如此回答）"},
        409: {"model": NotAcceptedOut, "description": "本周期不再接受申报（如个人申报已截止）"},
        422: {
            "model": NotAcceptedOut,
            "description": "申报信息有误（如身份证号无效），逐项列出；未写入任何内容",
            "content": {
                "application/json": {
                    "example": {
                        "detail": "申报信息有误，未写入：身份证号：校验码错误",
                        "errors": [
                            {
                                "column": "身份证号",
                                "value": "620102198001011234",
                                "why": "校验码错误",
                            }
                        ],
                    }
                }
            },
        },
    },
)
def put(
    cycle_id: str,
    id_number: Annotated[
        str, Path(description="申报人的18位身份证号", examples=["62010219850312001X"])
    ],
    request: Request,
    fields: Annotated[
        dict[str, str],
        Body(
            description=FIELDS_DOC,
            openapi_examples={"申报": {"summary": "一份工程系列副高级申报", "value": EXAMPLE}},
        ),
    ],
) -> Any:
    try:
        # Who asks, the write and the answer in one transaction (one connection, one commit,
        # per request: the last evening's rate is bound by per-request costs).
        with session_scope() as session:
            viewer = intake_viewer_in(session, request, cycle_id)
            declared = put_declaration(session, cycle_id, id_number, fields, now_of(request))
            (row,) = figures.applications(
                session,
                cycle_id,
                figures.page_filter(viewer, None),
                ids=[declared.application_id],
                limit=1,
            )
    except NotAccepted as exc:
        body = NotAcceptedOut(
            detail=str(exc),
            errors=[FieldProblem(column=e.column, value=e.value, why=e.why) for e in exc.errors],
        )
        return JSONResponse(body.model_dump(), status_code=409 if exc.whole else 422)
    return DeclarationOut(result=declared.written, application=row, committee=declared.committee)
