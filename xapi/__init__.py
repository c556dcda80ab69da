"""coachbridge's xAPI side: no Flask, no database.

- ``events``: the domain event a saved record becomes (what the application hands us).
- ``versions``: the xAPI versions spoken (1.0.3 default, 2.0.0 per LRS).
- ``mapping`` / ``profile``: the declarative record -> statement mapping and the xAPI
  Profile describing the IRIs we coin.
- ``agents`` / ``statements``: pure statement building, identity and privacy rules.
- ``lrs_client`` / ``outcomes`` / ``oauth2``: talking to one LRS, outcomes as values.
- ``outbox`` / ``backoff`` / ``delivery``: the at-least-once delivery loop over an
  outbox the application stores.
"""
