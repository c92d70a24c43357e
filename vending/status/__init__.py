"""The fleet at a glance: ``vending status``'s one model (model.py), rendered as a table, JSON and a page."""
