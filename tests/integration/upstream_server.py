"""What upstream.py and session_upstream.py share as servers (standard library only)."""

import json
import socket
import threading


def close_quietly(sock):
    try:
        sock.close()
    except OSError:
        pass


def serve_forever(host, port, handle):
    """Listen on HOST:PORT, print {"event":"listening","listen":"HOST:PORT"} as
    the first stdout line, then run handle(sock, peer) in a thread per
    connection until interrupted."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(256)
    host, port = srv.getsockname()[:2]
    print(json.dumps({"event": "listening", "listen": "%s:%d" % (host, port)}), flush=True)
    while True:
        try:
            sock, peer = srv.accept()
        except KeyboardInterrupt:
            break
        except OSError:
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        threading.Thread(target=handle, args=(sock, peer), daemon=True).start()
