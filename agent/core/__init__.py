"""Pure presence logic: models, signals, rules and the engine. No Qt, no I/O."""
