"""client.js in headless Chromium with connection tokens made by PyJWT: `io({ auth: { token } })`
connects with the token's identity, a missing or expired token gets `connect_error` with
pushd's message, and a token expiring mid-connection is refreshed with `pushd:refresh`."""
import time

import jwt

from browser_support import Page, free_port

SECRET = "browser-secret-0123456789abcdef-0123456789abcdef-0123456789abcdef"


def token(**claims):
    claims.setdefault("exp", int(time.time()) + 600)
    return jwt.encode(claims, SECRET, algorithm="HS256")


def test_tokens_from_the_browser(driver, start_server):
    server = start_server(free_port(), "--jwt-secret", SECRET, "--jwt-leeway", "0")
    page = Page(driver, server.url).open()
    try:
        result = page.run("""
            const [good, expired, fresh, transport] = args;
            const refusal = (auth) => new Promise((resolve) => {
                const socket = io("/", { forceNew: true, auth, reconnection: false, transports: [transport] });
                T.sockets.push(socket);
                socket.on("connect", () => resolve("connected"));
                socket.on("connect_error", (error) => resolve([error.message, error.data && error.data.reason]));
            });
            const socket = await T.connect({ auth: { token: good }, transports: [transport], upgrade: false });
            const echoed = await socket.emitWithAck("echo", "with a token");
            const refreshed = await socket.emitWithAck("pushd:refresh", fresh);
            return { echoed, refreshed, missing: await refusal({}), expired: await refusal({ token: expired }) };
        """, token(sub="ada"), token(sub="ada", exp=int(time.time()) - 60), token(sub="ada"), "sse")
        assert result["echoed"] == "with a token"
        assert result["refreshed"]["ok"] is True
        assert result["missing"] == ["token required", "token_required"]
        assert result["expired"] == ["token expired", "token_expired"]

        # A token about to expire ends the connection: the client hears a server disconnect.
        lapsed = page.run("""
            const socket = await T.connect({ auth: { token: args[0] }, transports: ["websocket"], reconnection: false });
            const [reason] = await T.until(socket, "disconnect", 8000);
            return reason;
        """, token(sub="bob", exp=int(time.time()) + 2))
        assert lapsed == "io server disconnect"
    finally:
        page.run("T.closeAll();")
