"""The governance app's pages, one module per part (proposals, votes, assemblies, …)."""
