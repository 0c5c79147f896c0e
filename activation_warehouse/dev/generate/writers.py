"""Writing: a batch's column arrays as the five raw tables, typed by the raw contract."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from activation_warehouse.contract import RAW_TABLES
from activation_warehouse.dev.generate.connections import NULL_CREATOR_RATE, NULL_VENDOR_RATE
from activation_warehouse.dev.generate.dirt import _Rows
from activation_warehouse.dev.generate.draw import _STR
from activation_warehouse.dev.generate.journeys import _Journeys
from activation_warehouse.dev.generate.population import CHANNELS, _Accounts, _Users


_ARROW_TYPES = {
    "varchar": pa.string(),
    "timestamp": pa.timestamp("us"),
    "integer": pa.int32(),
    "boolean": pa.bool_(),
}


def arrow_schema(table: str) -> pa.Schema:
    """The Parquet schema of a raw table, straight from the contract."""
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.sql_type], nullable=c.nullable)
                      for c in RAW_TABLES[table].columns])


def _arrow_table(table: str, columns: dict[str, np.ndarray], nulls: dict[str, np.ndarray]) -> pa.Table:
    """Column arrays (with optional null masks) typed and ordered by the contract."""
    schema = arrow_schema(table)
    arrays = []
    for f in schema:
        values = columns[f.name]
        mask = nulls.get(f.name)
        if pa.types.is_timestamp(f.type):
            micros = pa.array(np.asarray(values, dtype=np.int64), type=pa.int64(), mask=mask)
            arrays.append(micros.cast(f.type))
        else:
            arrays.append(pa.array(values, type=f.type, mask=mask))
    return pa.Table.from_arrays(arrays, schema=schema)


def _blank_as_null(values: np.ndarray) -> np.ndarray:
    """Null mask for '' entries: the app database stores missing text as NULL, not ''."""
    return values == ""


def _tables(
    accounts: _Accounts, users: _Users, journeys: _Journeys, rows: _Rows, rng: np.random.Generator
) -> dict[str, pa.Table]:
    """The batch's five raw tables."""
    conns = journeys.connections
    creator_null = rng.random(conns.t.size) < NULL_CREATOR_RATE
    vendor_null = rng.random(conns.t.size) < NULL_VENDOR_RATE
    return {
        "events": _arrow_table("events", {**rows.columns, "received_at": rows.received}, rows.nulls),
        "accounts": _arrow_table("accounts", {
            "account_id": accounts.account_id, "account_name": accounts.name,
            "employee_count": accounts.employee_count, "industry": accounts.industry,
            "signup_channel": np.array([c or "" for c in CHANNELS], dtype=_STR)[accounts.channel],
            "created_at": accounts.created_at, "is_test": accounts.is_test,
        }, {"employee_count": accounts.employee_null, "industry": _blank_as_null(accounts.industry),
            "signup_channel": accounts.channel == CHANNELS.index(None)}),
        "users": _arrow_table("users", {
            "user_id": users.user_id, "account_id": accounts.account_id[users.account],
            "email": users.email, "role": users.role, "created_at": users.signup,
            "is_internal": users.is_internal,
        }, {"role": _blank_as_null(users.role)}),
        "data_source_connections": _arrow_table("data_source_connections", {
            "connection_id": conns.connection_id,
            "account_id": accounts.account_id[users.account[conns.owner]],
            "created_by_user_id": users.user_id[conns.owner], "source_type": conns.source_type,
            "vendor": conns.vendor, "connected_at": conns.t, "status": conns.status,
        }, {"created_by_user_id": creator_null, "vendor": vendor_null}),
        "flag_exposures": _arrow_table("flag_exposures", journeys.exposures, {}),
    }
