"""Stand-ins for the upstream systems: they produce what real sources would deliver."""
