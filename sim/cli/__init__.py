"""The command line: ``breachsim COMMAND`` (:func:`sim.cli.main.main`), one module per
command where a command is more than a few lines. The top layer: it may import
every other."""
