"""Intake: the SQS jobs queue (an observed asset) and the sensor that turns messages into job runs."""
