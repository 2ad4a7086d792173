"""Tests of the nbgrader assignments; nbgrader_helpers is shared with the grading tests."""
