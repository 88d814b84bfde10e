"""Operations: operator metrics (success, latency, drops, queue depth), failed-job dead-lettering, health alerts."""
