"""Reading plans and synthesized outputs: the review report, the synth diff, affected stacks, drift."""
