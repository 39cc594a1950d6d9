"""Hypothesis settings and strategies shared by the fuzz tests of outside input.

Django-free, so that card_agent's tests may use it too.
"""

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# A fuzz test: enough examples to find a crash, no deadline on a shared machine, and
# function-scoped fixtures (a client, a server) reused across examples on purpose.
FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Small JSON documents of any shape.
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
