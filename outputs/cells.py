"""What a spreadsheet cell may hold: text that a spreadsheet would run as a formula is made
plain text. Every spreadsheet we write (the CSV exports, the summary sheet) passes its cells
through ``neutralise``, so a name or a return reason like ``=HYPERLINK(…)`` is shown, never run."""

from __future__ import annotations

import re
from typing import Any

# Excel, LibreOffice and WPS start a formula (or a DDE call) on these; a tab or a carriage
# return first is how a formula slips past a check of the first visible character.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A signed number written as text ("-3", "+86") is a number in any spreadsheet, never a formula.
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` unchanged unless it is text a spreadsheet would read as a formula; that
    text gets a leading single quote (the spreadsheets' own mark for "this is text").
    Numbers, dates and booleans pass through typed as they are."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value
