"""A live replay's plain parts: when each event reaches the landing folder, and what its pages meant."""

# The share of responses the generated reviewers judge in a replay (and in the demo, which is
# one), and so the sampler's review.base_rate. Above SPEC's 0.05: at 0.05 an agent has ~60
# reviewed responses in 24 h, M1's divergence then has a standard error of ~0.04, and chance
# alone crosses 0.10 (docs/replay.md, "Review rate").
REPLAY_REVIEW_RATE = 0.15
