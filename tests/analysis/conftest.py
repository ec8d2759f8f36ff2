"""Hypothesis settings for the property tests: no per-example deadline, since CI's two cores
are shared with other work and a slow example is not a failure of the property."""

from hypothesis import settings

settings.register_profile("score-impact", deadline=None, print_blob=True)
settings.load_profile("score-impact")
