"""What makes synth fast by relying on jsii's and cdktf's internals."""
