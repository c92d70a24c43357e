"""Vending: customer environments on AWS from one YAML file each, as cdktf stacks."""
