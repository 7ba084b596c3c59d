"""What the first-run wizard wrote, so that Cancel can take it back.

"Test connection" has to write the file (the agent probes what it runs) and store the
secrets; a person who then cancels expects nothing to stay behind, and the wizard to
come back next time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agent.ui.settings.document import write_atomically
from agent.ui.settings.host import Secrets
from agent.ui.settings.window import SaveResult, save_settings

if TYPE_CHECKING:
    from agent.config.paths import Paths


class WizardTrace:
    """What the wizard wrote (a new config file, keyring items), so Cancel can take it back.

    Runs on the link's worker thread, one call at a time.
    """

    def __init__(self) -> None:
        self.touched = False
        self.original: str | None = None
        """The file's text before the wizard first wrote it (None: there was no file)."""
        self.secrets: set[tuple[str, str]] = set()

    def save(self, paths: Paths, text: str, secrets: Secrets) -> SaveResult:
        before = paths.config_file.read_text("utf-8") if paths.config_file.exists() else None
        result = save_settings(paths, text, secrets)
        if not result.problems:
            if not self.touched:
                self.original = before
            self.touched = True
            self.secrets.update((backend, name) for backend, name, _ in secrets)
        return result

    def undo(self, paths: Paths) -> None:
        if self.original is None:
            paths.config_file.unlink(missing_ok=True)
        else:
            write_atomically(paths.config_file, self.original)
        if self.secrets:
            from agent.secrets import NoKeyringError, SecretStore

            store = SecretStore()
            for backend, name in sorted(self.secrets):
                try:
                    store.delete(backend, name)
                except NoKeyringError:
                    break
        self.touched = False
        self.original = None
        self.secrets.clear()
