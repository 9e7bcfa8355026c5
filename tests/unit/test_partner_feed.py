"""The secrets_and_config pair's logic: one country's orders, signed with the secret, secret never shown."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from shared_logic.expected import expected_fingerprint
from shared_logic.orders import extract_orders
from shared_logic.partner_feed import expected_secrets_and_config, select_country, sign_rows

SECRET = "s3cret-for-unit-tests-only"


def test_only_the_configured_country_is_selected_in_any_case() -> None:
    rows = select_country(extract_orders(300, seed=42), " de ")
    assert rows and {row["country"] for row in rows} == {"DE"}
    assert set(rows[0]) == {"order_id", "country", "total_cents"}


@pytest.mark.parametrize("country", [None, "", "Germany", "D1"])
def test_a_bad_country_setting_says_where_to_fix_it(country: str | None) -> None:
    with pytest.raises(ValueError, match="LAB_EXPORT_COUNTRY"):
        select_country([], country)


def test_each_row_carries_the_hmac_of_its_fields() -> None:
    (row,) = sign_rows([{"order_id": "ORD-000001", "country": "DE", "total_cents": 1234}], SECRET)
    assert row["signature"] == hmac.new(SECRET.encode(), b"ORD-000001|DE|1234", hashlib.sha256).hexdigest()


@pytest.mark.parametrize("secret", [None, "", "tiny-key-0987"])
def test_a_missing_or_weak_secret_is_refused_without_showing_it(secret: str | None) -> None:
    with pytest.raises(ValueError, match="LAB_PIPELINE_SECRET") as caught:
        sign_rows([], secret)
    assert not secret or secret not in str(caught.value)


def test_the_expected_output_depends_on_the_secret_and_the_setting() -> None:
    base = expected_secrets_and_config(secret=SECRET, country="DE")
    assert base["rows"] > 0
    assert base != expected_secrets_and_config(secret=SECRET + "x", country="DE")
    assert base != expected_secrets_and_config(secret=SECRET, country="FR")


def test_the_harness_takes_the_secret_and_setting_from_env_for_the_expected_output() -> None:
    env = {"LAB_PIPELINE_SECRET": SECRET, "LAB_EXPORT_COUNTRY": "DE"}
    assert expected_fingerprint("secrets_and_config", env, n_rows=300, seed=42) == expected_secrets_and_config(
        300, 42, secret=SECRET, country="DE")
    with pytest.raises(LookupError, match="LAB_PIPELINE_SECRET.*./lab up"):
        expected_fingerprint("secrets_and_config", {"LAB_EXPORT_COUNTRY": "DE"}, n_rows=300, seed=42)
