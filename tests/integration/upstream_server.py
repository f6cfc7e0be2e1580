"""What upstream.py and session_upstream.py share as servers (standard library only)."""

import json
import socket
import threading


def close_quietly(sock):
    try:
        sock.close()
    except OSError:
        pass


def tls_context(cert, key, client_ca=None):
    """A server-side ssl.SSLContext (client_ca: clients must present a
    certificate it issued). The SNI each connection asked for is kept as the
    socket's `sni` attribute."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED

    def remember_sni(sslobj, name, _ctx):
        sslobj.sni = name
    ctx.sni_callback = remember_sni
    return ctx


def _with_tls(handle, ctx):
    def run(sock, peer):
        try:
            sock.settimeout(10)
            tls = ctx.wrap_socket(sock, server_side=True)
            tls.settimeout(None)
        except OSError:  # a refused handshake (the proxy did not trust us)
            close_quietly(sock)
            return
        handle(tls, peer)
    return run


def serve_forever(host, port, handle, tls=None):
    """Listen on HOST:PORT, print {"event":"listening","listen":"HOST:PORT"} as
    the first stdout line, then run handle(sock, peer) in a thread per
    connection until interrupted. With `tls` (an ssl.SSLContext) each
    connection's handshake is made in its thread first."""
    if tls is not None:
        handle = _with_tls(handle, tls)
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
