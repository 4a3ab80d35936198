"""What the people who run Triangel watch: the Prometheus endpoint and the figures behind it."""
