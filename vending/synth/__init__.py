"""From the validated configuration to ``cdktf.out``: prepare, build, synthesize."""
