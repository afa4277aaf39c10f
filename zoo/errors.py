"""The zoo's error for what a user gave a model: a message naming it and what was expected."""


class DetectorError(ValueError):
    """A detector was given something it cannot use: the message names it and what was expected."""
