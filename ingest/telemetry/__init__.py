"""Vehicle telemetry: physics-based simulator, Kafka streaming and landing into Bronze."""
