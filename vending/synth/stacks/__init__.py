"""Stacks only wire components together; each has its own remote state."""
