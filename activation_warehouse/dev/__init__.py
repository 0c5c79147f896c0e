"""Development tools: the demo-data generator, the benchmarks, the cross-engine comparison.

They make data to build on and measure the build; a warehouse never needs them to run. The
layer rule (an import-linter contract in pyproject.toml, checked by `make lint`): this
package may import the runtime modules of activation_warehouse, and none of them may import
it. Its command line: ``python -m activation_warehouse.dev`` or ``activation-warehouse-dev``.
"""
