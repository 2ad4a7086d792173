"""Grading specs, one module per assignment (``course.grading.specs.assignment1``, ...)."""
