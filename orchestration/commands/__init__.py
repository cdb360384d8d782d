"""One module per `kpi` verb: configure(parser) and run(args) -> exit code."""
