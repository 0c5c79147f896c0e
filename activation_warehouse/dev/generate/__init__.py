"""Demo raw data for the activation warehouse: realistic journeys, planted effects, real dirt.

Why a generator and not a fixture: the marts answer a product question (how many people stop
after connecting a data source, and why), so the demo data has to *contain* an answer the
marts can find. The journeys below plant known effects on the chance that a connected user
reaches first value within 14 days of signup (slow data readiness, sync failures, early empty
states, the template gallery, the `guided_setup_v2` experiment, company size and channel), and
the dirt functions add the faults a real tracking pipeline delivers, at rates kept as module
constants so a reader can see what the staging layer must survive.

How it scales: accounts are generated in fixed-size batches, each with its own numpy generator
seeded from ``(seed, batch index)``; every step is vectorised over the batch's users and events,
and each batch is appended to the Parquet files as one row group. Memory therefore depends on
the batch size, never on the total, and the same config always gives the same files.

Conventions the dbt models can rely on: table and column names and types come from
:mod:`activation_warehouse.contract` and event names from the tracking-plan seed (checked at
start); properties are JSON text written like ``json.dumps`` (``{"key": "value"}``); backend
events (syncs) carry ``user_id`` (the connection's creator) and no ``anonymous_id``; pre-signup
events carry only ``anonymous_id`` and no ``account_id``; ``signed_up`` occurs exactly at
``users.created_at``.

The modules, in the order a batch goes through them: ``config`` (the knobs), ``population``
(accounts and users), ``connections``, ``flags`` and ``journeys`` (what people do, with the
planted effects), ``events`` and ``draw`` (the vectorised building blocks they share),
``dirt`` (clean events to delivered rows), ``writers`` (rows to typed Arrow tables) and
``run`` (batches to Parquet files); ``shapes`` holds the journey-length knobs of
``DemoConfig.shape`` ("demo" ≈ 136 raw events per user, "short" ≈ 7–8); ``cli`` is the
``generate`` command. Its interface is the five names below; names with a leading underscore are internals its modules share.
"""

from activation_warehouse.dev.generate.config import DemoConfig, accounts_for_events
from activation_warehouse.dev.generate.run import generate_demo
from activation_warehouse.dev.generate.shapes import SHAPES
from activation_warehouse.dev.generate.writers import arrow_schema

__all__ = ["SHAPES", "DemoConfig", "accounts_for_events", "arrow_schema", "generate_demo"]
