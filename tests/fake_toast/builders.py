"""Record builders: minimal, spec-valid Toast objects that tests override field by field.

Every builder takes the object's GUID first, fills the fields Toast always sends with readable
defaults, and applies `**fields` last, so a test states only what matters to it, e.g.
`make_order(guid, "2026-10-01T00:00:00.000+0000", voided=True)`. Defaults place objects at
restaurant R1 (America/New_York, closeoutHour 4).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from tests.fake_toast.world import (
    CONFIG_ENDPOINTS,
    business_date_of,
    format_ts,
    parse_ts,
)

DEFAULT_TIME_ZONE = "America/New_York"
DEFAULT_CLOSEOUT_HOUR = 4
DEFAULT_DINING_OPTION = "c0000002-0001-4000-8000-000000000001"
DEFAULT_MENU_ITEM = "c0000006-0001-4000-8000-000000000002"
DEFAULT_SALES_CATEGORY = "c0000009-0001-4000-8000-000000000001"
DEFAULT_TAX_RATE = "c0000012-0001-4000-8000-000000000001"
DEFAULT_EMPLOYEE = "a2000000-0001-4000-8000-000000000001"
DEFAULT_JOB = "a1000000-0001-4000-8000-000000000001"
DEFAULT_DRAWER = "c0000017-0001-4000-8000-000000000001"

Record = dict[str, Any]


def ref(guid: str, entity_type: str, external_id: str | None = None) -> Record:
    """An ExternalReference: `{"guid", "entityType", "externalId"}`."""
    return {"guid": guid, "entityType": entity_type, "externalId": external_id}


def config_ref(guid: str, entity_type: str, multi_location_id: str | None = None) -> Record:
    """A ConfigReference (menu item, sales category...): a reference plus `multiLocationId`."""
    return {**ref(guid, entity_type), "multiLocationId": multi_location_id}


def shift_ts(timestamp: str, **delta: float) -> str:
    """Return `timestamp` moved by a timedelta given as keywords (e.g. `minutes=-45`)."""
    return format_ts(parse_ts(timestamp) + timedelta(**delta))


def _fresh(template: Record) -> Record:
    """A deep copy of a defaults template, so built records never share nested objects."""
    return copy.deepcopy(template)


def business_date(
    timestamp: str,
    time_zone: str = DEFAULT_TIME_ZONE,
    closeout_hour: int = DEFAULT_CLOSEOUT_HOUR,
) -> int:
    """Business date (int yyyymmdd) of a timestamp at a restaurant (default: R1's rules)."""
    return business_date_of(parse_ts(timestamp), time_zone, closeout_hour)


_ORDER_DEFAULTS: Record = {
    "promisedDate": None,
    "estimatedFulfillmentDate": None,
    "deleted": False,
    "deletedDate": None,
    "voided": False,
    "voidDate": None,
    "voidBusinessDate": None,
    "source": "In Store",
    "approvalStatus": "APPROVED",
    "guestOrderStatus": None,
    "numberOfGuests": 2,
    "duration": 2940,
    "channelGuid": None,
    "requiredPrepTime": None,
    "createdInTestMode": False,
    "excessFood": False,
    "initialDate": None,
    "pricingFeatures": ["TAXESV2"],
    "createdDevice": {"id": "pos-terminal-01"},
    "lastModifiedDevice": {"id": "pos-terminal-01"},
    "diningOption": ref(DEFAULT_DINING_OPTION, "DiningOption"),
    "table": None,
    "serviceArea": None,
    "restaurantService": None,
    "revenueCenter": None,
    "server": ref(DEFAULT_EMPLOYEE, "RestaurantUser"),
    "deliveryInfo": None,
    "curbsidePickupInfo": None,
    "deliveryServiceInfo": None,
    "marketplaceFacilitatorTaxInfo": None,
    "appliedPackagingInfo": None,
}


def make_order(
    guid: str, modified: str, *, checks: Sequence[Record] | None = None, **fields: Any
) -> Record:
    """An Order modified at `modified`, opened 50 minutes earlier, with one default check."""
    opened = shift_ts(modified, minutes=-50)
    closed = shift_ts(modified, minutes=-1)
    order: Record = {
        "guid": guid,
        "entityType": "Order",
        "externalId": None,
        "displayNumber": "1",
        "openedDate": opened,
        "createdDate": opened,
        "modifiedDate": modified,
        "closedDate": closed,
        "paidDate": closed,
        "businessDate": fields.get("businessDate") or business_date(opened),
        **_fresh(_ORDER_DEFAULTS),
        "checks": list(checks) if checks is not None else [_default_check(guid, opened, closed)],
    }
    order.update(fields)
    return order


def _default_check(order_guid: str, opened: str, closed: str) -> Record:
    check_guid = "0c" + order_guid[2:]
    selection = make_selection("5e" + order_guid[2:], created=opened)
    payment = make_payment(
        "9a" + order_guid[2:],
        order_guid=order_guid,
        check_guid=check_guid,
        amount=selection["price"] + selection["tax"],
        paid=closed,
    )
    return make_check(
        check_guid, selections=[selection], payments=[payment], opened=opened, closed=closed
    )


_CHECK_DEFAULTS: Record = {
    "deleted": False,
    "deletedDate": None,
    "voided": False,
    "voidDate": None,
    "voidBusinessDate": None,
    "taxExempt": False,
    "tabName": None,
    "duration": 2940,
    "openedBy": ref(DEFAULT_EMPLOYEE, "RestaurantUser"),
    "customer": None,
    "appliedLoyaltyInfo": None,
    "createdDevice": {"id": "pos-terminal-01"},
    "lastModifiedDevice": {"id": "pos-terminal-01"},
}


def make_check(
    guid: str,
    *,
    selections: Sequence[Record] = (),
    payments: Sequence[Record] = (),
    opened: str = "2026-09-14T17:19:11.763+0000",
    closed: str | None = "2026-09-14T18:08:11.763+0000",
    **fields: Any,
) -> Record:
    """A Check; amounts default to the sum of its selections' prices and taxes."""
    amount = float(round(sum(s["price"] for s in selections if not s.get("voided")), 2))
    tax = float(round(sum(s["tax"] for s in selections if not s.get("voided")), 2))
    check: Record = {
        "guid": guid,
        "entityType": "Check",
        "externalId": None,
        "displayNumber": "1",
        "createdDate": opened,
        "openedDate": opened,
        "closedDate": closed,
        "modifiedDate": closed or opened,
        "paidDate": closed,
        "amount": amount,
        "taxAmount": tax,
        "totalAmount": round(amount + tax, 2),
        "paymentStatus": "CLOSED" if closed else "OPEN",
        **_fresh(_CHECK_DEFAULTS),
        "selections": list(selections),
        "appliedDiscounts": [],
        "appliedServiceCharges": [],
        "payments": list(payments),
    }
    check.update(fields)
    return check


_SELECTION_DEFAULTS: Record = {
    "itemGroup": None,
    "optionGroup": None,
    "preModifier": None,
    "salesCategory": config_ref(DEFAULT_SALES_CATEGORY, "SalesCategory"),
    "diningOption": None,
    "seatNumber": 1,
    "unitOfMeasure": "NONE",
    "selectionType": "NONE",
    "taxInclusion": "NOT_INCLUDED",
    "deferred": False,
    "fulfillmentStatus": "SENT",
    "optionGroupPricingMode": None,
    "externalPriceAmount": None,
    "openPriceAmount": None,
    "voided": False,
    "voidDate": None,
    "voidBusinessDate": None,
    "voidReason": None,
    "refundDetails": None,
    "splitOrigin": None,
}


def make_selection(
    guid: str,
    *,
    item: str = DEFAULT_MENU_ITEM,
    name: str = "Crispy Fries",
    price: float = 12.75,
    quantity: float = 1.0,
    modifiers: Sequence[Record] = (),
    applied_taxes: Sequence[Record] | None = None,
    created: str = "2026-09-14T17:19:11.763+0000",
    **fields: Any,
) -> Record:
    """A MenuItemSelection; `tax` defaults to the sum of its applied taxes (one 6.25% tax)."""
    if applied_taxes is None:
        tax_guid = "7a" + guid[2:]
        applied_taxes = [make_applied_tax(tax_guid, amount=round(price * 0.0625, 2))]
    selection: Record = {
        "guid": guid,
        "entityType": "MenuItemSelection",
        "externalId": None,
        "displayName": name,
        "item": config_ref(item, "MenuItem"),
        "quantity": quantity,
        "preDiscountPrice": price,
        "price": price,
        "receiptLinePrice": price,
        "tax": float(round(sum(t["taxAmount"] for t in applied_taxes), 2)),
        **_fresh(_SELECTION_DEFAULTS),
        "createdDate": created,
        "modifiedDate": created,
        "modifiers": list(modifiers),
        "appliedTaxes": list(applied_taxes),
        "appliedDiscounts": [],
    }
    selection.update(fields)
    return selection


def make_modifier(
    guid: str,
    *,
    item: str,
    name: str,
    option_group: str,
    price: float = 0.0,
    modifiers: Sequence[Record] = (),
    **fields: Any,
) -> Record:
    """A modifier: a MenuItemSelection inside `modifiers`, with its option group, no taxes."""
    defaults: Record = {
        "optionGroup": config_ref(option_group, "MenuOptionGroup"),
        "salesCategory": None,
        "seatNumber": None,
    }
    return make_selection(
        guid,
        item=item,
        name=name,
        price=price,
        modifiers=modifiers,
        applied_taxes=[],
        **{**defaults, **fields},
    )


def make_applied_tax(
    guid: str | None,
    *,
    name: str = "MA Sales Tax",
    rate: float = 0.0625,
    amount: float = 0.8,
    tax_rate: str = DEFAULT_TAX_RATE,
    **fields: Any,
) -> Record:
    """An AppliedTaxRate; pass `guid=None` for the guid-less taxes Toast sometimes sends."""
    tax: Record = {
        "guid": guid,
        "entityType": "AppliedTaxRate",
        "taxRate": ref(tax_rate, "TaxRate"),
        "name": name,
        "displayName": name,
        "rate": rate,
        "taxAmount": amount,
        "type": "PERCENT",
        "facilitatorCollectAndRemitTax": False,
        "jurisdiction": None,
        "jurisdictionType": None,
    }
    tax.update(fields)
    return tax


def make_trigger(selection_guid: str, quantity: float = 1.0) -> Record:
    """An AppliedDiscountTrigger (no guid in Toast)."""
    return {"selection": ref(selection_guid, "MenuItemSelection"), "quantity": quantity}


def make_applied_discount(
    guid: str,
    *,
    discount: str,
    name: str = "10% Off",
    amount: float = 1.5,
    triggers: Sequence[Record] = (),
    combo_items: Sequence[Record] = (),
    **fields: Any,
) -> Record:
    """An AppliedDiscount (check- or selection-level) referencing a config discount."""
    applied: Record = {
        "guid": guid,
        "entityType": "AppliedCustomDiscount",
        "externalId": None,
        "name": name,
        "discountAmount": amount,
        "nonTaxDiscountAmount": 0.0,
        "discountType": "PERCENT",
        "discountPercent": 10.0,
        "discount": ref(discount, "Discount"),
        "processingState": "APPLIED",
        "approver": None,
        "appliedDiscountReason": None,
        "loyaltyDetails": None,
        "appliedPromoCode": None,
        "comboItems": list(combo_items),
        "triggers": list(triggers),
    }
    applied.update(fields)
    return applied


def make_service_charge(
    guid: str,
    *,
    service_charge: str,
    name: str = "Gratuity",
    amount: float = 5.0,
    applied_taxes: Sequence[Record] = (),
    **fields: Any,
) -> Record:
    """An AppliedServiceCharge with its own applied taxes."""
    charge: Record = {
        "guid": guid,
        "entityType": "AppliedServiceCharge",
        "externalId": None,
        "name": name,
        "chargeAmount": amount,
        "chargeType": "PERCENT",
        "serviceCharge": ref(service_charge, "ServiceCharge"),
        "gratuity": True,
        "taxable": bool(applied_taxes),
        "delivery": False,
        "takeout": False,
        "dineIn": True,
        "serviceChargeCalculation": "PRE_DISCOUNT",
        "serviceChargeCategory": "SERVICE_CHARGE",
        "paymentGuid": None,
        "refundDetails": None,
        "appliedTaxes": list(applied_taxes),
    }
    charge.update(fields)
    return charge


_PAYMENT_DEFAULTS: Record = {
    "type": "CREDIT",
    "amountTendered": None,
    "cardType": "VISA",
    "cardEntryMode": "EMV_CHIP_SIGN",
    "last4Digits": "4242",
    "cardPaymentId": None,
    "mcaRepaymentAmount": None,
    "paymentStatus": "CAPTURED",
    "refundStatus": "NONE",
    "refund": None,
    "voidInfo": None,
    "server": ref(DEFAULT_EMPLOYEE, "RestaurantUser"),
    "cashDrawer": None,
    "houseAccount": None,
    "otherPayment": None,
    "createdDevice": {"id": "pos-terminal-01"},
    "lastModifiedDevice": {"id": "pos-terminal-01"},
    "tenderTransactionGuid": None,
}


def make_payment(
    guid: str,
    *,
    order_guid: str,
    check_guid: str,
    amount: float,
    paid: str = "2026-09-14T18:08:11.763+0000",
    tip: float = 0.0,
    **fields: Any,
) -> Record:
    """A captured credit-card OrderPayment of `amount` (+ `tip`) paid at `paid`."""
    payment: Record = {
        "guid": guid,
        "entityType": "OrderPayment",
        "externalId": None,
        "orderGuid": order_guid,
        "checkGuid": check_guid,
        "amount": round(amount, 2),
        "tipAmount": tip,
        "paidDate": paid,
        "paidBusinessDate": fields.get("paidBusinessDate") or business_date(paid),
        "originalProcessingFee": round(amount * 0.0259 + 0.15, 2),
        **_fresh(_PAYMENT_DEFAULTS),
    }
    payment.update(fields)
    return payment


def make_refund(
    transaction_guid: str, *, amount: float, tip: float, refunded: str, **fields: Any
) -> Record:
    """A payment `refund` object."""
    refund: Record = {
        "refundAmount": amount,
        "tipRefundAmount": tip,
        "refundDate": refunded,
        "refundBusinessDate": business_date(refunded),
        "refundTransaction": {"guid": transaction_guid, "entityType": "RefundTransaction"},
    }
    refund.update(fields)
    return refund


def make_void_info(*, user: str, approver: str, reason: str, voided: str, **fields: Any) -> Record:
    """A payment `voidInfo` object (VoidInformation)."""
    info: Record = {
        "voidUser": ref(user, "RestaurantUser"),
        "voidApprover": ref(approver, "RestaurantUser"),
        "voidDate": voided,
        "voidBusinessDate": business_date(voided),
        "voidReason": ref(reason, "VoidReason"),
    }
    info.update(fields)
    return info


def make_customer(guid: str, **fields: Any) -> Record:
    """A check `customer` (needs the guest.pi:read scope in real Toast)."""
    customer: Record = {
        "guid": guid,
        "entityType": "Customer",
        "firstName": "Dana",
        "lastName": "Whitfield",
        "phone": "6175550142",
        "phoneCountryCode": "1",
        "email": "dana.whitfield@example.com",
    }
    customer.update(fields)
    return customer


def make_config(endpoint: str, guid: str, name: str, **fields: Any) -> Record:
    """A config object of `endpoint`; pass `_lastModified="<ts>"` for the server-side filter."""
    config_object: Record = {"guid": guid, "entityType": CONFIG_ENDPOINTS[endpoint], "name": name}
    config_object.update(fields)
    return config_object


def make_job(guid: str, title: str = "Server", **fields: Any) -> Record:
    """A labor Job (entityType RestaurantJob)."""
    job: Record = {
        "guid": guid,
        "entityType": "RestaurantJob",
        "externalId": None,
        "createdDate": "2025-03-02T14:11:05.120+0000",
        "modifiedDate": "2025-03-02T14:11:05.120+0000",
        "deletedDate": None,
        "deleted": False,
        "title": title,
        "code": title.upper().replace(" ", "_"),
        "wageFrequency": "HOURLY",
        "defaultWage": 15.5,
        "tipped": True,
        "excludeFromReporting": False,
    }
    job.update(fields)
    return job


def make_employee(
    guid: str,
    first_name: str = "Alex",
    last_name: str = "Morgan",
    *,
    jobs: Sequence[str] = (DEFAULT_JOB,),
    wage_overrides: Sequence[tuple[str, float]] = (),
    **fields: Any,
) -> Record:
    """A labor Employee (entityType RestaurantUser) with job references and wage overrides."""
    employee: Record = {
        "guid": guid,
        "entityType": "RestaurantUser",
        "externalId": None,
        "createdDate": "2025-03-02T14:20:41.006+0000",
        "modifiedDate": "2025-06-18T09:03:12.440+0000",
        "deletedDate": None,
        "deleted": False,
        "firstName": first_name,
        "chosenName": None,
        "lastName": last_name,
        "email": f"{first_name.lower()}.{last_name.lower()}@example.com",
        "phoneNumber": "6175550100",
        "phoneNumberCountryCode": "1",
        "passcode": None,
        "externalEmployeeId": None,
        "jobReferences": [ref(job, "RestaurantJob") for job in jobs],
        "wageOverrides": [
            {"wage": wage, "jobReference": ref(job, "RestaurantJob")}
            for job, wage in wage_overrides
        ],
        "v2EmployeeGuid": None,
    }
    employee.update(fields)
    return employee


def make_shift(
    guid: str,
    in_date: str,
    out_date: str | None,
    *,
    employee: str = DEFAULT_EMPLOYEE,
    job: str = DEFAULT_JOB,
    **fields: Any,
) -> Record:
    """A scheduled Shift from `in_date` to `out_date`."""
    shift: Record = {
        "guid": guid,
        "entityType": "Shift",
        "externalId": None,
        "createdDate": shift_ts(in_date, days=-7),
        "modifiedDate": shift_ts(in_date, days=-7),
        "deletedDate": None,
        "deleted": False,
        "jobReference": ref(job, "RestaurantJob"),
        "employeeReference": ref(employee, "RestaurantUser"),
        "inDate": in_date,
        "outDate": out_date,
        "scheduleConfig": None,
    }
    shift.update(fields)
    return shift


def make_break(
    guid: str, in_date: str, minutes: int = 30, *, break_type: str, **fields: Any
) -> Record:
    """A TimeEntryBreak (guid, no entityType)."""
    entry_break: Record = {
        "guid": guid,
        "breakType": {"guid": break_type, "entityType": "BreakType"},
        "paid": False,
        "inDate": in_date,
        "outDate": shift_ts(in_date, minutes=minutes),
        "missed": False,
        "auditResponse": None,
    }
    entry_break.update(fields)
    return entry_break


_TIME_ENTRY_MONEY_DEFAULTS: Record = {
    "hourlyWage": 15.5,
    "declaredCashTips": 0.0,
    "nonCashTips": 0.0,
    "cashGratuityServiceCharges": 0.0,
    "nonCashGratuityServiceCharges": 0.0,
    "tipsWithheld": 0.0,
    "nonCashSales": 0.0,
    "cashSales": 0.0,
}


def make_time_entry(
    guid: str,
    in_date: str,
    out_date: str | None,
    *,
    employee: str = DEFAULT_EMPLOYEE,
    job: str = DEFAULT_JOB,
    breaks: Sequence[Record] = (),
    **fields: Any,
) -> Record:
    """A TimeEntry modified at clock-out; `businessDate` is `in_date`'s, a string, by R1's rules.

    Pass `businessDate=...` for another restaurant's rules.
    """
    hours = (parse_ts(out_date) - parse_ts(in_date)).total_seconds() / 3600 if out_date else 0.0
    entry: Record = {
        "guid": guid,
        "entityType": "TimeEntry",
        "externalId": None,
        "createdDate": in_date,
        "modifiedDate": out_date or in_date,
        "deletedDate": None,
        "deleted": False,
        "jobReference": ref(job, "RestaurantJob"),
        "employeeReference": ref(employee, "RestaurantUser"),
        "shiftReference": None,
        "inDate": in_date,
        "outDate": out_date,
        "autoClockedOut": False,
        "businessDate": fields.get("businessDate") or str(business_date(in_date)),
        "regularHours": round(min(hours, 8.0), 2),
        "overtimeHours": round(max(hours - 8.0, 0.0), 2),
        **_TIME_ENTRY_MONEY_DEFAULTS,
        "breaks": list(breaks),
    }
    entry.update(fields)
    return entry


def make_cash_entry(
    guid: str, moment: str, amount: float, *, entry_type: str = "CASH_IN", **fields: Any
) -> Record:
    """A CashEntry (positive amount adds cash to the drawer, negative removes it)."""
    entry: Record = {
        "guid": guid,
        "entityType": "CashEntry",
        "amount": amount,
        "reason": None,
        "date": moment,
        "type": entry_type,
        "cashDrawer": ref(DEFAULT_DRAWER, "CashDrawer"),
        "payoutReason": None,
        "noSaleReason": None,
        "undoes": None,
        "employee1": ref(DEFAULT_EMPLOYEE, "RestaurantUser"),
        "employee2": None,
        "creatorOrShiftReviewSubject": ref(DEFAULT_EMPLOYEE, "RestaurantUser"),
        "approverOrShiftReviewSubject": None,
    }
    entry.update(fields)
    return entry


def make_deposit(guid: str, moment: str, amount: float, **fields: Any) -> Record:
    """A cash Deposit."""
    deposit: Record = {
        "guid": guid,
        "entityType": "Deposit",
        "amount": amount,
        "date": moment,
        "undoes": None,
        "employee": ref(DEFAULT_EMPLOYEE, "RestaurantUser"),
        "creator": ref(DEFAULT_EMPLOYEE, "RestaurantUser"),
    }
    deposit.update(fields)
    return deposit


def bulk_guid(index: int, prefix: str = "0b") -> str:
    """GUID of the index-th bulk order: `0b000000-0000-4000-8000-<index>`."""
    return f"{prefix}000000-0000-4000-8000-{index:012d}"


def bulk_orders(
    n: int, start: str | datetime, step_seconds: float = 60.0, *, prefix: str = "0b"
) -> list[Record]:
    """`n` small orders modified at start, start + step, start + 2 step, ... (paging tests).

    GUIDs are `bulk_guid(i, prefix)`; each order has one check, selection and payment.
    """
    first = parse_ts(start) if isinstance(start, str) else start
    return [
        make_order(
            bulk_guid(index, prefix),
            format_ts(first + timedelta(seconds=index * step_seconds)),
            displayNumber=str(index + 1),
        )
        for index in range(n)
    ]
