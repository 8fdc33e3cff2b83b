"""Stage 3, publish: plan, cache and make every PDF, assemble print packs, and swap the built site in."""
