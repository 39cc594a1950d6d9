from marketplace.tests.conftest import make_store  # noqa: F401 - the marketplace's factory
