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


def test_cli_parameters_are_json_values() -> None:
    assert _parse_params(["n_rows=10", "name=abc", "flag=true"]) == {"n_rows": 10, "name": "abc", "flag": True}
    with pytest.raises(BadParametersError, match="KEY=VALUE"):
        _parse_params(["n_rows"])
