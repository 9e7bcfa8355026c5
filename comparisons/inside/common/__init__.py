"""What both orchestrator environments run: standard library only, neither orchestrator imported."""
