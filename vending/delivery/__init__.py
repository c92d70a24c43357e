"""The delivery flow: plans saved with what they were planned against, applied exactly as
reviewed in dependency waves, and a record of what has been applied, kept beside each state.

    vending plan --out DIR      plan.py: saved plans, their manifest, the review report
    vending apply DIR           apply.py: those plans, wave by wave, shard by shard
    waves.py                    which stack goes when, and how a wave is split over runners
    records.py                  what was last applied to each stack, next to its state
"""
