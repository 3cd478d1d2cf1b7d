"""The vehicles' stand-in: a physics-based fleet simulator and its Kafka producer."""
