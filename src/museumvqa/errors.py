"""The one exception type for a user's mistake: the CLI prints it as a single line and exits 2."""


class UserError(Exception):
    """Bad input (which file, which record, what is wrong, what to do); never shown as a traceback."""
