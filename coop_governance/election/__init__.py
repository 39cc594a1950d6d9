"""Verifiable elections: the cryptography, the election record and its verifier.

Everything under this package is pure Python on the standard library and libsodium: no
Django, no database. The standalone verifier (`python -m coop_governance.verify`) imports
only this package, so the record can be checked anywhere. docs/election-record.md is the
specification; the browser's booth (frontend/src/election.js) implements the same bytes.
"""
