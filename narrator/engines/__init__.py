"""Speech engines: one small interface, one module per engine, a tiny registry."""
