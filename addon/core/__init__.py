"""The pure core of Compute Cards: the compute language, units, answer checking, placeholders, the note type.

Standard library only: the build (build.py) and the add-on inside Anki both import it.
"""
