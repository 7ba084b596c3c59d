"""The frozen bundle's entry point: the same command line as the installed package."""

from agent.cli.main import main

raise SystemExit(main())
