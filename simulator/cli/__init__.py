"""The command line (``simulator …``): thin, parses arguments and calls the layers below."""
