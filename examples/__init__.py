"""Examples of using `study` with your own code."""
