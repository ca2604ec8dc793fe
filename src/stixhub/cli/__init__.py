"""The ``stixhub`` command line: one click command (group) per job, thin over lower layers."""
