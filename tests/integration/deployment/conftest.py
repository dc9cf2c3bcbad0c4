"""The deployment tests reuse the end-to-end harness (mock API + real agent + a lab cluster)."""

from tests.integration.e2e.conftest import make_run  # noqa: F401 (a fixture)
