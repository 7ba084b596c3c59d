"""``python -m agent`` runs the command line."""

from agent.cli.main import main

raise SystemExit(main())
