"""Instructor tooling for the course: releasing assignments and grading submissions."""
