# The customer image: the source AMI plus the CodeDeploy agent and a Python 3 runtime.
# `python -m vending bake <customer>-<env>` runs it; every value arrives through a generated
# JSON var-file, never by editing this file.

variable "region" {
  type = string
}

variable "source_ami" {
  type = string
}

variable "instance_type" {
  type = string
}

variable "ssh_username" {
  type = string
}

variable "ami_name" {
  type = string
}

# Packer renders {{ }} in the description (Go templates): the wrapper escapes it.
variable "ami_description" {
  type = string
}

variable "tags" {
  type    = map(string)
  default = {}
}

variable "instance_name" {
  type = string
}

# "none" skips the connection (a local emulator has no instance to reach); it only works with
# the "unprovisioned" build below, which the wrapper selects with -only.
variable "communicator" {
  type    = string
  default = "ssh"
}

# An EC2 endpoint such as a local emulator; empty means AWS. Region, credential and
# metadata checks are skipped only with an endpoint.
variable "custom_endpoint_ec2" {
  type    = string
  default = ""
}

source "amazon-ebs" "image" {
  region        = var.region
  source_ami    = var.source_ami
  instance_type = var.instance_type
  communicator  = var.communicator
  ssh_username  = var.ssh_username

  ami_name        = var.ami_name
  ami_description = var.ami_description
  tags            = var.tags
  snapshot_tags   = var.tags
  run_tags        = { Name = var.instance_name }

  custom_endpoint_ec2        = var.custom_endpoint_ec2
  skip_region_validation     = var.custom_endpoint_ec2 != ""
  skip_credential_validation = var.custom_endpoint_ec2 != ""
  skip_metadata_api_check    = var.custom_endpoint_ec2 != ""
}

build {
  sources = ["source.amazon-ebs.image"]

  # The same image without provisioning (Packer 1.6 has no conditional provisioners).
  source "source.amazon-ebs.image" {
    name = "unprovisioned"
  }

  provisioner "shell" {
    except           = ["amazon-ebs.unprovisioned"]
    environment_vars = ["REGION=${var.region}"]
    execute_command  = "chmod +x '{{ .Path }}'; sudo env {{ .Vars }} bash '{{ .Path }}'"
    scripts          = ["${path.root}/codedeploy-agent.sh", "${path.root}/python-runtime.sh"]
  }

  post-processor "manifest" {
    output = "${path.root}/manifest.json"
  }
}
