"""Catalogues of realistic student bugs, one module per assignment (see assignment1.py)."""
