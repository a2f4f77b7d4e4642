"""A fake Toast API server and the worlds it serves, for the connector's tests.

Typical use::

    with FakeToast(World.load()) as fake:
        ...  # point the connector at fake.base_url with SANDBOX_CLIENT_ID/SECRET
        assert fake.unconsumed() == []
"""

from tests.fake_toast.server import FakeToast, Fault, RecordedRequest
from tests.fake_toast.world import (
    COMBO_DISCOUNT_ORDER,
    CONFIG_ENDPOINTS,
    DEEP_MODIFIER_ORDER,
    DELETED_EMPLOYEE_R1,
    DELETED_JOB_R1,
    DELETED_ORDER,
    DELETED_SHIFT_R1,
    DELETED_TIME_ENTRY_R1,
    DELIVERY_ORDER,
    EDGE_ORDER,
    MANAGEMENT_GROUP,
    MISSED_BREAK_TIME_ENTRY_R1,
    NULL_GUID_TAX_ORDER,
    R1,
    R2,
    R3,
    RECORDINGS_DIR,
    REFUND_ORDER,
    RESTAURANTS,
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    SHARED_EMPLOYEE,
    SHARED_MENU,
    SHARED_MENU_ITEM,
    SPLIT_CHECK_ORDER,
    STRADDLE_CASH_DATE_R2,
    STRADDLE_SHIFT,
    VOIDED_ORDER,
    VOIDED_PAYMENT_ORDER,
    World,
)

__all__ = [
    "COMBO_DISCOUNT_ORDER",
    "CONFIG_ENDPOINTS",
    "DEEP_MODIFIER_ORDER",
    "DELETED_EMPLOYEE_R1",
    "DELETED_JOB_R1",
    "DELETED_ORDER",
    "DELETED_SHIFT_R1",
    "DELETED_TIME_ENTRY_R1",
    "DELIVERY_ORDER",
    "EDGE_ORDER",
    "MANAGEMENT_GROUP",
    "MISSED_BREAK_TIME_ENTRY_R1",
    "NULL_GUID_TAX_ORDER",
    "R1",
    "R2",
    "R3",
    "RECORDINGS_DIR",
    "REFUND_ORDER",
    "RESTAURANTS",
    "SANDBOX_CLIENT_ID",
    "SANDBOX_CLIENT_SECRET",
    "SHARED_EMPLOYEE",
    "SHARED_MENU",
    "SHARED_MENU_ITEM",
    "SPLIT_CHECK_ORDER",
    "STRADDLE_CASH_DATE_R2",
    "STRADDLE_SHIFT",
    "VOIDED_ORDER",
    "VOIDED_PAYMENT_ORDER",
    "FakeToast",
    "Fault",
    "RecordedRequest",
    "World",
]
