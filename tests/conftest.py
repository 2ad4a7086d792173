"""Shared test configuration: the hypothesis profile and float64 by default."""
import os

from hypothesis import HealthCheck, settings

# No deadline: CI machines are slow and shared; examples are small.
settings.register_profile("ci", deadline=None, max_examples=25,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
