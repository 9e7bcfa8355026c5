"""The failure_hooks pair's logic: the batch is rejected, and the alert row says where."""

from __future__ import annotations

import pytest

from shared_logic.alerts import (
    ALERT_COLUMNS,
    BatchRejectedError,
    expected_failure_hooks,
    extract_feed,
    validate_strictly,
)
from shared_logic.orders import extract_orders, transform_orders
from shared_logic.warehouse import fingerprint_rows


def test_the_feed_is_rejected_saying_how_many_rows_are_bad() -> None:
    feed = extract_feed()
    bad = len(feed) - len(transform_orders(feed))
    assert bad > 0
    with pytest.raises(BatchRejectedError, match=f"{bad} of {len(feed)} orders"):
        validate_strictly(feed)


def test_a_clean_batch_passes_unchanged_in_content() -> None:
    clean = transform_orders(extract_orders(50, seed=1))
    raw_again = [{**row, "unit_price": f"{row['unit_price_cents'] // 100}.{row['unit_price_cents'] % 100:02d}"}
                 for row in clean]
    assert validate_strictly(raw_again) == clean


def test_the_expected_alert_names_the_failing_task() -> None:
    alert = {"pipeline": "failure_hooks", "outcome": "failed", "failed_task": "validate"}
    assert expected_failure_hooks() == fingerprint_rows(ALERT_COLUMNS, [alert])
