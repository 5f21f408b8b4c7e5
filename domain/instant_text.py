"""The text of an instant as the contract takes it (`at`): one RFC 3339 pattern, shared by
the parser and the published JSON Schema, and the pydantic type that applies it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

_YEAR = r"(?:19[7-9][0-9]|[2-8][0-9]{3})"
_LEAP_YEAR = (
    r"(?:19(?:7[26]|8[048]|9[26])"  # 1972 ... 1996
    r"|[2-8][0-9](?:[02468][48]|[13579][26]|[2468]0)"  # a year divisible by 4, not by 100
    r"|(?:[2468][048]|[357][26])00)"  # a century divisible by 400: 2000, 2400 ... 8800
)
_MONTH_DAY = (
    r"(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])"
    r"|(?:0[13-9]|1[0-2])-(?:29|30)"
    r"|(?:0[13578]|1[02])-31)"
)
_DATE = rf"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]+)?"
_OFFSET = r"(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
RFC_3339 = rf"^{_DATE}[Tt ]{_TIME}{_OFFSET}$"
"""An instant as the contract takes it: RFC 3339's `date-time` (seconds required, a fraction
optional, `Z` or a `+hh:mm` offset up to 23:59, `:60` refused), `T` or a space between date
and time (the space its section 5.6 allows), a real calendar date written with a year from
1970 to 8999.

One pattern, used by the parser and written into the published JSON Schema, so a schema
validator and the engine agree on every text (the date-time `format` of JSON Schema takes no
space and is not checked by default, so the schema says it all with this pattern). The year
bound is on the date as written: nothing on a support desk happened before the Unix epoch,
and a bound far below year 9999 keeps every instant computed from `at` (due times, warning
thresholds: policy targets are at most a year) representable."""


class _InstantText:
    """`at`: an RFC 3339 text with an offset, within the supported range.

    Pydantic's own datetime parsing also takes numbers and numeric strings as Unix times,
    `hh:mm` without seconds and `+hhmm` offsets; the contract says RFC 3339. The text is
    checked against `RFC_3339` first, then parsed, both inside pydantic-core.
    """

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.custom_error_schema(
            core_schema.str_schema(pattern=RFC_3339),
            custom_error_type="datetime_format",
            custom_error_message=(
                "Input should be an RFC 3339 timestamp with an offset, on a real date "
                "from 1970 to 8999, like 2026-09-01T21:47:33Z"
            ),
        )
        instant = core_schema.datetime_schema(strict=False, tz_constraint="aware")
        return core_schema.chain_schema([text, instant])

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": RFC_3339,
            "description": "RFC 3339 date-time with an offset; `T`, `t` or a space between "
            "date and time; a real date, years 1970-8999 as written",
        }


Instant = Annotated[datetime, _InstantText]
