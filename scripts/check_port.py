"""Is the port `make run` is about to use free? Run before anything else starts (migrations,
demo data, the web server), so a taken port stops the run at once with a message that says
which port and how to choose another, instead of a half-started Triangel.

    python scripts/check_port.py HOST PORT     # exit 0 when free, 1 (with a message) when not

Only the standard library: the Makefile runs it before the virtual environment exists.
"""

import errno
import socket
import sys


def port_problem(host: str, port: str) -> str | None:
    """Why Triangel cannot listen on host:port, in words for the person running it; None if it can."""
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"PORT must be a number between 1 and 65535, got {port!r}. Choose one: make run PORT=8001"
    try:
        addresses = socket.getaddrinfo(host or None, int(port), type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return f"HOST {host!r} is not an address of this machine. Use make run HOST=127.0.0.1"
    for family, kind, proto, _name, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            # As the web server binds: with SO_REUSEADDR, so only a listening socket counts as taken
            # (not a connection of a server stopped a moment ago).
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return (
                        f"Port {port} on {host} is already in use (another Triangel, or another program).\n"
                        f"Stop that program, or choose another port: make run PORT={_another(int(port))}"
                    )
                return f"Cannot listen on {host}:{port}: {exc.strerror}. Choose another: make run HOST=… PORT=…"
    return None


def _another(port: int) -> int:
    return port + 1 if port < 65535 else 8001


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print("usage: check_port.py HOST PORT", file=sys.stderr)
        return 2
    problem = port_problem(argv[1], argv[2])
    if problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
