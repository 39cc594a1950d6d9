"""The governance pages, one module per part."""
