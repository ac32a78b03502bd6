"""Importing rows from a file: reading it, and the draft kept between preview and confirmation."""
