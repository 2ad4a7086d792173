"""Free TCP ports on 127.0.0.1, for the servers tests start (a lab, a hub, a Slurm cluster)."""
import socket


def free_ports(n):
    """``n`` distinct free TCP ports on 127.0.0.1 (held together while chosen, so distinct)."""
    sockets = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            sockets.append(s)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()
