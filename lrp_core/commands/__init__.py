"""CLI subcommands, one module each (see ``lrp_core.cli``)."""
