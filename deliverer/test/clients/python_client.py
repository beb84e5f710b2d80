"""A python-socketio client for the e2e suite: joins a replica, reports what it sees as JSON lines.

Usage: python_client.py URL
Prints {"event": "connected"}, then {"event": "broadcast", "data": ...} for the first broadcast,
then sends its own input_event and prints {"event": "ack", "data": ...}, then exits 0.
"""
import json
import sys
import threading

import socketio

TIMEOUT_S = 15


def say(event, data=None):
    print(json.dumps({"event": event, "data": data}), flush=True)


def main(url):
    client = socketio.Client(reconnection=False)
    first_broadcast = threading.Event()

    # *extra absorbs the recovery offset socket.io appends when Connection State Recovery is on.
    @client.on("broadcast_event")
    def on_broadcast(message, *extra):
        if not first_broadcast.is_set():
            say("broadcast", message)
            first_broadcast.set()

    client.connect(url, transports=["websocket"], wait_timeout=TIMEOUT_S)
    say("connected", {"sid": client.get_sid()})
    if not first_broadcast.wait(TIMEOUT_S):
        say("error", "no broadcast_event received")
        return 1
    ack = client.call("input_event", {"text": "hello from python"}, timeout=TIMEOUT_S)
    say("ack", ack)
    client.disconnect()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
