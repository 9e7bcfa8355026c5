"""Parameters are checked before anything is triggered, against both servers' schemas."""

import pytest

from comparisons.cli import _parse_params
from comparisons.errors import BadParametersError
from comparisons.runner import validate_parameters

SCHEMAS = {
    "airflow": {"n_rows": {"type": "integer", "minimum": 0}, "seed": {"type": "integer"}},
    "prefect": {"n_rows": {"type": "integer"}, "seed": {"type": "integer"}},
}


def test_known_parameters_of_the_right_type_pass() -> None:
    validate_parameters("etl_basic", SCHEMAS, {"n_rows": 10, "seed": 1})


@pytest.mark.parametrize(("given", "message"), [
    ({"rows": 10}, r"no parameter 'rows'. It accepts: n_rows, seed"),
    ({"n_rows": "ten"}, r"'n_rows' must be integer, got 'ten'"),
    ({"n_rows": True}, r"'n_rows' must be integer"),
    ({"n_rows": -1}, r"'n_rows' must be >= 0"),
])
def test_bad_parameters_are_rejected_with_the_fix(given: dict, message: str) -> None:
    with pytest.raises(BadParametersError, match=message):
        validate_parameters("etl_basic", SCHEMAS, given)


@pytest.mark.parametrize(("given", "message"), [
    ({"granularity": "year"}, r"'granularity' must be one of 'day', 'week', 'month', got 'year'"),
    ({"n_rows": 100_001}, r"'n_rows' must be <= 100000, got 100001"),
])
def test_enum_and_maximum_are_enforced_too(given: dict, message: str) -> None:
    schemas = {side: {"n_rows": {"type": "integer", "minimum": 1, "maximum": 100_000},
                      "granularity": {"type": "string", "enum": ["day", "week", "month"]}}
               for side in ("airflow", "prefect")}
    validate_parameters("parameters", schemas, {"n_rows": 5, "granularity": "day"})
    with pytest.raises(BadParametersError, match=message):
        validate_parameters("parameters", schemas, given)


def test_cli_parameters_are_json_values() -> None:
    assert _parse_params(["n_rows=10", "name=abc", "flag=true"]) == {"n_rows": 10, "name": "abc", "flag": True}
    with pytest.raises(BadParametersError, match="KEY=VALUE"):
        _parse_params(["n_rows"])
