# Plugin requirements for Packer >= 1.7 (`packer init`). Packer 1.6 rejects this block, so
# the wrapper copies this file into the build directory (as plugins.pkr.hcl) only for >= 1.7.
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.2.0"
    }
  }
}
