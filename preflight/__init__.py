"""preflight: `pulumi preview --policy-pack` without the Pulumi CLI or a cloud account.

Runs a Pulumi Python project for a stack under realistic mocks (``preflight.engine``), drives each CrossGuard
policy pack over the analyzer gRPC protocol the way the CLI does (``preflight.analyzer``), and reports what
the preview would report (``preflight.report``). ``python -m preflight --help`` shows the command line;
``preflight.runner.run`` is the same run as a function.
"""

__version__ = "0.1.0"
