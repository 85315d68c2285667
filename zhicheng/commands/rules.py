"""`zhicheng rules …`: the eligibility rules one can ask about directly."""

from __future__ import annotations

import datetime as dt
import json

import typer

from zhicheng.cli_support import UserError, console, friendly

app = typer.Typer(no_args_is_help=True, help="申报条件规则（如法定退休年龄）。")


@app.command("retirement")
@friendly
def retirement(
    id_number: str = typer.Argument(..., help="18位身份证号"),
    year: int = typer.Option(..., "--year", help="申报年度（按当年12月31日计算）"),
    female_original_age: int = typer.Option(
        None, "--female-original-age", help="女性原法定退休年龄：50 或 55"
    ),
    as_json: bool = typer.Option(False, "--json", help="以 JSON 输出"),
) -> None:
    """按渐进式延迟退休规定计算退休年月，并判断当年能否申报（当年12月31日前达到即不能申报）。"""
    from rules.idcard import parse_id_number
    from rules.retirement import reaches_retirement_by, retirement_for

    parsed = parse_id_number(id_number)
    if not parsed.birth.year <= year < dt.MAXYEAR:
        raise UserError(f"申报年度 {year} 不合理：应在出生年份 {parsed.birth.year} 与 9998 之间")
    result = retirement_for(
        parsed.birth, male=parsed.is_male, female_original_age=female_original_age
    )
    eligible = not reaches_retirement_by(
        parsed.birth, male=parsed.is_male, female_original_age=female_original_age, year=year
    )
    if as_json:
        typer.echo(json.dumps({"retirement_month": result.month_text, "eligible": eligible}))
        return
    verdict = "可以申报" if eligible else "不能申报（当年12月31日前已达法定退休年龄）"
    console.print(
        f"{parsed.masked()}：法定退休年龄 {result.age_years} 岁 {result.age_months} 个月，"
        f"{result.month_text} 退休；{year} 年度{verdict}",
        highlight=False,
    )
