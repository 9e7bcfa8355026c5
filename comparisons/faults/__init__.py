"""Fault injection: what each orchestrator does on a bad day (`./lab fault`)."""
