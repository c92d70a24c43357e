"""Operations: the Terraform runner, baking images, the state backend, the security scan, the
customer repository kit."""
