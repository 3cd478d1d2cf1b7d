"""Ingestion and its upstream stand-ins.

- `contracts`: what crosses a component boundary (entity columns, the telemetry event schema
  and version, the Bronze table catalogue, the city grid and id formats).
- `bronze`: the Bronze store (Delta Lake or plain Parquet tables) and dbt-duckdb's reader.
- `loaders`: the CSV loader and the Kafka lander, which write Bronze.
- `upstream`: stand-ins for the systems that deliver data (the ride-hailing generator, the
  vehicle simulator and its Kafka producer).
- `kafka`: Kafka client settings shared by the producer and the lander.

Dependencies point one way: upstream and loaders use contracts, kafka and bronze; bronze uses
contracts; contracts use nothing else here.
"""
