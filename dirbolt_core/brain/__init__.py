"""The form brain: read a form, map its fields to the profile vocabulary, learn from successes."""
