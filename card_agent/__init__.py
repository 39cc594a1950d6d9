"""The card agent `uniqc-agent`, its browser bridge, the PIV card protocol, the Web eID
payloads the card signs, and the virtual PIV card (vpcd transport and in-process demo card).

None of it uses Django: the agent runs on a person's or a registrar's computer, beside
the browser, not in the coop's server. It may import `core` modules that are Django-free
(`core.jsonin`), the standard library, cryptography and pyscard; identity imports it,
never the reverse (card_agent/tests/test_independence.py holds it to that).
"""
