// The benchmark convention on uWebSockets: a message whose first byte is 'B' is published to
// every open client (the sender too, through a topic every socket subscribes to); anything
// else is echoed to its sender.
// Build (see Benchmarks/run.sh): g++ -std=c++20 -O3 -DLIBUS_NO_SSL -DUWS_NO_ZLIB
//   -I<uWebSockets>/src -I<uSockets>/src uws_server.cpp <uSockets>/uSockets.a -o uws_server
// Usage: uws_server PORT
#include "App.h"
#include <cstdlib>
#include <iostream>

struct PerSocketData {};

static uWS::App *app = nullptr;

int main(int argc, char **argv) {
    int port = argc > 1 ? std::atoi(argv[1]) : 9004;
    uWS::App server;
    app = &server;
    server.ws<PerSocketData>("/*", {
        .compression = uWS::DISABLED,
        .maxPayloadLength = 1000000,
        .idleTimeout = 120,
        .maxBackpressure = 64 * 1024 * 1024,
        .closeOnBackpressureLimit = false,
        .resetIdleTimeoutOnSend = false,
        .sendPingsAutomatically = true,
        .open = [](auto *ws) { ws->subscribe("all"); },
        .message = [](auto *ws, std::string_view message, uWS::OpCode opCode) {
            if (!message.empty() && message[0] == 'B') {
                app->publish("all", message, opCode, false);
            } else {
                ws->send(message, opCode, false);
            }
        },
    }).listen("127.0.0.1", port, [port](auto *listenSocket) {
        if (listenSocket) {
            std::cout << "uWebSockets listening on 127.0.0.1:" << port << std::endl;
        } else {
            std::cerr << "uWebSockets: cannot listen on " << port << std::endl;
            std::exit(1);
        }
    }).run();
}
