"""The vehicle cockpit (`lakehouse cockpit`): one simulated vehicle driven live in a Qt window,
its readings streamed to the telemetry topic and judged by the driving-style model."""
