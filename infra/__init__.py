"""Infrastructure: a real local Kafka broker and PostgreSQL server, assembled and run on demand."""
