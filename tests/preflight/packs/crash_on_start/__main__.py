"""A pack whose dependencies are missing: it dies before it prints its port."""

import preflight_test_dependency_that_does_not_exist  # noqa: F401
