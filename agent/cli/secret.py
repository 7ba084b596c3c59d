"""``presence-agent secret set|delete|list``: backend credentials in the OS keyring."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from agent.cli.exit_codes import CliError, ExitCode
from agent.secret_names import CALENDAR_URL_FIELD, calendar_owner, keyring_user


def register(commands: Any) -> None:
    parser = commands.add_parser("secret", help="store backend credentials in the keyring")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    set_ = actions.add_parser("set", help="store a secret read from stdin (no echo on a terminal)")
    set_.add_argument("backend", metavar="BACKEND", help="the [[backends]] name")
    set_.add_argument("field", metavar="FIELD", help="e.g. api_token, password, client_secret")
    set_.set_defaults(func=set_secret)
    delete = actions.add_parser("delete", help="remove a stored secret")
    delete.add_argument("backend", metavar="BACKEND")
    delete.add_argument("field", metavar="FIELD")
    delete.set_defaults(func=delete_secret)
    list_ = actions.add_parser("list", help="which secrets are stored (never their values)")
    list_.set_defaults(func=list_secrets)


def _store() -> Any:
    from agent.secrets import SecretStore

    return SecretStore()


def _keyring_errors() -> tuple[type[Exception], ...]:
    from agent.secrets import NoKeyringError

    return (NoKeyringError,)


def _read_value(backend: str, field: str) -> str:
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass(f"Secret for {keyring_user(backend, field)} (not shown): ")
    return sys.stdin.read().rstrip("\r\n")


def set_secret(args: argparse.Namespace) -> int:
    _check_name(args.backend, args.field)
    _check_known(args.backend, args.field)
    value = _read_value(args.backend, args.field)
    if not value:
        raise CliError("no secret given on stdin; nothing stored", ExitCode.BAD_INPUT)
    try:
        _store().set(args.backend, args.field, value)
    except _keyring_errors() as error:
        raise CliError(str(error)) from None
    print(f"Stored {keyring_user(args.backend, args.field)} in the keyring.")
    _tell_agent(args)
    return ExitCode.OK


def delete_secret(args: argparse.Namespace) -> int:
    _check_name(args.backend, args.field)
    try:
        existed = _store().delete(args.backend, args.field)
    except _keyring_errors() as error:
        raise CliError(str(error)) from None
    if not existed:
        raise CliError(f"no secret {keyring_user(args.backend, args.field)} is stored")
    print(f"Deleted {keyring_user(args.backend, args.field)}.")
    _tell_agent(args)
    return ExitCode.OK


def _tell_agent(args: argparse.Namespace) -> None:
    """A running agent re-reads its secrets, and a backend waiting for sign-in tries again."""
    from agent import ipc
    from agent.cli.talk import paths_for

    try:
        ipc.request(
            paths_for(args).socket_path,
            {"cmd": "credentials_changed", "backend": args.backend},
            timeout=5.0,
        )
    except Exception:  # no agent running (or an old one): it reads the keyring at start
        pass


def list_secrets(args: argparse.Namespace) -> int:
    try:
        pairs = _store().list()
    except _keyring_errors() as error:
        raise CliError(str(error)) from None
    if not pairs:
        print("No secrets stored.")
    for backend, field in pairs:
        print(keyring_user(backend, field))
    return ExitCode.OK


def _check_name(backend: str, field: str) -> None:
    for what, name in (("backend", backend), ("field", field)):
        if not name or "/" in name or name.strip() != name:
            raise CliError(f"invalid {what} name {name!r}", ExitCode.BAD_INPUT)


def _check_known(backend: str, field: str) -> None:
    """Refuse a backend or field the configuration does not use (a typo stored is a lost secret).

    Without a usable configuration file nothing can be checked, so the secret is stored
    (it may be set up before the file is written) with a warning.
    """
    from agent.config.paths import Paths
    from agent.config_checks import ConfigError, load_config

    try:
        config = load_config(Paths.from_environment()).config
    except ConfigError:
        print(
            "presence-agent: warning: the configuration has problems; "
            f"{backend}/{field} is stored without checking it is used",
            file=sys.stderr,
        )
        return
    valid = valid_secrets(config)
    if backend not in valid:
        names = ", ".join(sorted(valid)) or "none (add a backend to the configuration first)"
        raise CliError(
            f"no backend or calendar named {backend!r} needs a secret; valid names: {names}",
            ExitCode.BAD_INPUT,
        )
    if field not in valid[backend]:
        raise CliError(
            f"{backend} has no secret field {field!r}; valid fields: {', '.join(valid[backend])}",
            ExitCode.BAD_INPUT,
        )


def valid_secrets(config: Any) -> dict[str, tuple[str, ...]]:
    """The secret fields per configured backend name and per secret calendar URL."""
    from agent.backends.registry import SECRET_FIELDS

    valid = {
        entry.name: SECRET_FIELDS[entry.type]
        for entry in config.backends
        if SECRET_FIELDS.get(entry.type)
    }
    for calendar in config.calendars:
        if calendar.url_secret:
            valid[calendar_owner(calendar.name)] = (CALENDAR_URL_FIELD,)
    return valid
