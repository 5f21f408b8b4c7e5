"""A real single-node Apache Kafka (KRaft) broker, assembled from Maven Central and run locally."""
